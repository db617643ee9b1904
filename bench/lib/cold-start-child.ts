/**
 * Runs inside a fresh `node` process (bundled by bench/cold-start.ts, never run with tsx): imports one
 * Lambda bundle, invokes it with an HTTP API event, and prints one `BENCH_RESULT {json}` line.
 *
 *   node child.mjs <bundle.mjs> cold
 *   node child.mjs <bundle.mjs> warm <requests> <warm-up requests>
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { pathToFileURL } from "node:url";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import { lambdaContext, postEpochEvent } from "./lambda-event.ts";

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

export interface ColdResult {
  mode: "cold";
  /** From process start (performance.timeOrigin) until this script's first line ran: Node's own boot. */
  bootMs: number;
  /** Loading and evaluating the bundle, top-level await included. */
  importMs: number;
  /** The first invocation: client set-up, credentials, connection, the request(s) to DynamoDB. */
  firstInvokeMs: number;
  /** Process start → first response, as this process measures it. */
  totalMs: number;
  /** Wall-clock time (ms since 1970) of the first response, to compare with the parent's spawn time. */
  respondedAtMs: number;
  /** The end of the import on `process.hrtime`'s clock (µs), the clock of `--cpu-prof` timestamps. */
  importedUs: number;
  /** CPU time (user + system) of the process from its start to the first response: no waiting counted. */
  cpuMs: number;
  rssBytes: number;
}

export interface WarmResult {
  mode: "warm";
  requests: number;
  /** user + system CPU time of this process per request, µs. */
  cpuUsPerRequest: number;
  wallUsPerRequest: number;
  /** The measured loop on `process.hrtime`'s clock (µs), the clock of `--cpu-prof` timestamps. */
  loopStartUs: number;
  loopEndUs: number;
}

const [bundlePath, mode = "cold", requestsArg = "2000", warmupArg = "200"] = process.argv.slice(2);
const apiKey = process.env.BENCH_API_KEY ?? "";
if (!bundlePath) throw new Error("usage: child.mjs <bundle.mjs> cold|warm [requests] [warm-up]");

/**
 * A sampled X-Ray trace header, as the Lambda runtime sets `_X_AMZN_TRACE_ID` before each invocation
 * (for every function: the X-Ray SDK reads it only when the function traces).
 */
function newTraceHeader(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${epoch}-${randomBytes(12).toString("hex")};Parent=${randomBytes(8).toString("hex")};Sampled=1`;
}

async function invoke(handler: Handler): Promise<void> {
  process.env._X_AMZN_TRACE_ID = newTraceHeader();
  const response = await handler(postEpochEvent(apiKey), lambdaContext("bench"));
  if (response.statusCode !== 201) {
    throw new Error(`expected 201, got ${response.statusCode}: ${String(response.body)}`);
  }
}

async function report(result: ColdResult | WarmResult): Promise<never> {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
  // Let trace segments queued on UDP go out (after the measurements, so it costs none of them).
  await sleep(50);
  // The SDK's keep-alive sockets would hold the process open; the result is written (pipes are synchronous).
  process.exit(0);
}

const started = performance.now();
const { handler } = (await import(pathToFileURL(bundlePath).href)) as { handler: Handler };
const imported = performance.now();
const importedUs = Number(process.hrtime.bigint() / 1000n);
await invoke(handler);
const responded = performance.now();
const cpuAtResponse = process.cpuUsage();

if (mode === "cold") {
  await report({
    mode,
    bootMs: started,
    importMs: imported - started,
    firstInvokeMs: responded - imported,
    totalMs: responded,
    respondedAtMs: performance.timeOrigin + responded,
    importedUs,
    cpuMs: (cpuAtResponse.user + cpuAtResponse.system) / 1000,
    rssBytes: process.memoryUsage.rss(),
  });
}

const requests = Number(requestsArg);
for (let i = 0; i < Number(warmupArg); i++) await invoke(handler);
const loopStartUs = Number(process.hrtime.bigint() / 1000n);
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
for (let i = 0; i < requests; i++) await invoke(handler);
const cpu = process.cpuUsage(cpuBefore);
const loopEndUs = Number(process.hrtime.bigint() / 1000n);
await report({
  mode: "warm",
  requests,
  cpuUsPerRequest: (cpu.user + cpu.system) / requests,
  wallUsPerRequest: ((performance.now() - wallBefore) * 1000) / requests,
  loopStartUs,
  loopEndUs,
});
