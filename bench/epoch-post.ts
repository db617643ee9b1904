/**
 * POST /epoch throughput and p99: the sandbox vs a bare node:http server doing one SDK PutItem, in one
 * run, against the same DynamoDB Local; plus the sandbox's start-to-first-healthy time and memory.
 *
 *   npm run bench:epoch [-- --duration 8 --connections 10 --rounds 5]
 *
 * Servers run in their own processes; this process is the load generator (autocannon). The machine has
 * 2 cores, so the generator competes with the server: compare the ratios, not the absolute figures.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createDocumentClient, ensureTables, tableNames } from "@meridian/adapters";
import { startDynamoDbLocal } from "@meridian/sandbox";
import autocannon from "autocannon";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "8" },
    connections: { type: "string", default: "10" },
    rounds: { type: "string", default: "5" },
    /** Also load a bare server with the SDK's cacheMiddleware, as a reference (the table grows 1.5× faster). */
    reference: { type: "boolean", default: false },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const children: ChildProcess[] = [];

function launch(script: string, args: string[]): Promise<{ child: ChildProcess; words: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: process.env,
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("LISTENING "));
      if (line) resolve({ child, words: line.split(" ").slice(1) });
    });
    child.once("exit", (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function rssMiB(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const kb = Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)?.[1]);
  return Math.round(kb / 1024);
}

async function load(url: string, headers: Record<string, string>) {
  const result = await autocannon({ url: `${url}/epoch`, method: "POST", headers, connections, duration });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { rps: result.requests.average, p99: result.latency.p99, count: result.requests.total };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

async function startupAndMemory() {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ["--import", "tsx", here("../packages/sandbox/src/cli/start.ts"), "--in-memory", "--port", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, MERIDIAN_HOME: "/tmp/meridian-bench-home" },
    },
  );
  children.push(child);
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => (out += chunk));
  let url: string | undefined;
  for (;;) {
    url ??= out.match(/API\s+(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    if (url) {
      const ok = await fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const readyMs = Math.round(performance.now() - started);
  const jvmPid = Number(out.match(/\(pid (\d+)/)?.[1]);
  const memory = { nodeMiB: rssMiB(child.pid), jvmMiB: rssMiB(jvmPid) };
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return { readyMs, ...memory };
}

try {
  const engine = await startDynamoDbLocal();
  const prefix = "bench";
  const db = createDocumentClient({ endpoint: engine.endpoint });
  await ensureTables(db, tableNames(prefix));
  const sandbox = await launch(here("servers/sandbox-server.ts"), [engine.endpoint, prefix]);
  const bare = await launch(here("servers/bare-put-server.ts"), [engine.endpoint, tableNames(prefix).epochs]);
  // Reference only: the bare server with the SDK's cacheMiddleware, which the sandbox's hot path uses.
  const cached = values.reference
    ? await launch(here("servers/bare-put-server.ts"), [
        engine.endpoint,
        tableNames(prefix).epochs,
        "--cache-middleware",
      ])
    : undefined;
  const [sandboxUrl, apiKey] = sandbox.words as [string, string];
  const [bareUrl] = bare.words as [string];
  const cachedUrl = cached?.words[0];

  // Warm both (JIT, connection pools, DynamoDB Local's own warm-up) before measuring.
  await autocannon({
    url: `${sandboxUrl}/epoch`,
    method: "POST",
    headers: { "x-api-key": apiKey },
    connections,
    duration: 3,
  });
  await autocannon({ url: `${bareUrl}/epoch`, method: "POST", connections, duration: 3 });
  if (cachedUrl) await autocannon({ url: `${cachedUrl}/epoch`, method: "POST", connections, duration: 3 });

  const ours: Awaited<ReturnType<typeof load>>[] = [];
  const base: Awaited<ReturnType<typeof load>>[] = [];
  const reference: Awaited<ReturnType<typeof load>>[] = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate who goes first, so a drift of the engine's speed does not favour one side.
    if (round % 2 === 1) {
      base.push(await load(bareUrl, {}));
      ours.push(await load(sandboxUrl, { "x-api-key": apiKey }));
      if (cachedUrl) reference.push(await load(cachedUrl, {}));
    } else {
      if (cachedUrl) reference.push(await load(cachedUrl, {}));
      ours.push(await load(sandboxUrl, { "x-api-key": apiKey }));
      base.push(await load(bareUrl, {}));
    }
    console.error(
      `round ${round}: bare ${base.at(-1)?.rps} req/s p99 ${base.at(-1)?.p99} ms | sandbox ${ours.at(-1)?.rps} req/s p99 ${ours.at(-1)?.p99} ms${reference.length ? ` | bare+cacheMiddleware ${reference.at(-1)?.rps} req/s p99 ${reference.at(-1)?.p99} ms` : ""}`,
    );
  }
  const summary = {
    bare: { rps: median(base.map((r) => r.rps)), p99: median(base.map((r) => r.p99)) },
    sandbox: { rps: median(ours.map((r) => r.rps)), p99: median(ours.map((r) => r.p99)) },
    bareCacheMiddleware: {
      rps: median(reference.map((r) => r.rps)),
      p99: median(reference.map((r) => r.p99)),
    },
  };
  const serverMemory = {
    sandboxMiB: rssMiB(sandbox.child.pid),
    bareMiB: rssMiB(bare.child.pid),
    bareCacheMiddlewareMiB: rssMiB(cached?.child.pid),
    dynamodbLocalMiB: rssMiB(engine.pid),
  };
  sandbox.child.kill("SIGTERM");
  bare.child.kill("SIGTERM");
  cached?.child.kill("SIGTERM");
  db.destroy();
  await engine.stop();

  const startup = await startupAndMemory();
  console.log(
    JSON.stringify(
      {
        settings: { connections, durationSeconds: duration, rounds },
        rounds: { bare: base, sandbox: ours, bareCacheMiddleware: reference },
        median: summary,
        // Each round's ratio compares two runs measured back to back; the median of those is the figure.
        ratios: {
          throughput: round2(median(ours.map((r, i) => r.rps / (base[i]?.rps ?? Number.NaN)))),
          p99: round2(median(ours.map((r, i) => r.p99 / (base[i]?.p99 ?? Number.NaN)))),
        },
        // The same figures against the bare server with cacheMiddleware (reference, not the target).
        ...(reference.length > 0 && {
          ratiosVsBareCacheMiddleware: {
            throughput: round2(median(ours.map((r, i) => r.rps / (reference[i]?.rps ?? Number.NaN)))),
            p99: round2(median(ours.map((r, i) => r.p99 / (reference[i]?.p99 ?? Number.NaN)))),
          },
        }),
        memoryAfterLoad: serverMemory,
        sandboxStartup: startup,
      },
      null,
      2,
    ),
  );
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
}
