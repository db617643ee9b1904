import { join } from "node:path";
import type { S3Event } from "aws-lambda";
import { EVENTS_PATH, listAsyncFailures } from "../events/async-invoker.ts";
import { readRunningSandbox } from "../running.ts";
import { dlqNames, listDlq, redriveDlq, type StreamFailureRecord } from "../streams/destination.ts";
import { type StreamHandlerLoader, streamHandlers } from "../streams/registry.ts";
import { parseCli, runCli, UsageError } from "./args.ts";

const USAGE = `Usage: npm run dlq -- <command> [--name <mapping>|image-processor] [--json]

The sandbox's local on-failure destinations: stream batches that kept failing or grew too old, in
<MERIDIAN_HOME>/streams/<mapping>.dlq.jsonl, and the image processor's S3 events that failed three times
(Lambda's asynchronous invocation), in <MERIDIAN_HOME>/events/image-processor.failed.jsonl
(MERIDIAN_HOME defaults to .meridian).

Commands:
  list      show the failed batches and events (all, or --name <mapping> / --name image-processor)
  redrive   invoke the handler again with each entry, against the running sandbox; entries that now
            succeed are removed, the others stay

With --stage <name>: a deployed stage's SQS dead-letter queues instead (npm run dlq -- list --stage <name> --help).`;

const IMAGE_PROCESSOR = "image-processor";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

class CliError extends Error {}

function summary(entry: StreamFailureRecord) {
  const info = entry.DDBStreamBatchInfo;
  return {
    id: entry.requestContext.requestId,
    when: entry.timestamp,
    condition: entry.requestContext.condition,
    invokes: entry.requestContext.approximateInvokeCount,
    records: info.batchSize,
    shard: info.shardId,
    sequenceNumbers: `${info.startSequenceNumber}..${info.endSequenceNumber}`,
  };
}

function list(dir: string, names: string[], json: boolean, eventsDir: string): number {
  const streamRows = names
    .filter((name) => name !== IMAGE_PROCESSOR)
    .flatMap((name) => listDlq(dir, name).map((entry) => ({ mapping: name, ...summary(entry) })));
  const eventRows = names.includes(IMAGE_PROCESSOR)
    ? listAsyncFailures<S3Event>(eventsDir, IMAGE_PROCESSOR).map((entry) => ({
        mapping: IMAGE_PROCESSOR,
        id: entry.requestContext.requestId,
        when: entry.timestamp,
        condition: entry.requestContext.condition,
        invokes: entry.requestContext.approximateInvokeCount,
        records: entry.requestPayload.Records?.length ?? 0,
        keys: (entry.requestPayload.Records ?? []).map((r) => r.s3.object.key).join(" "),
        error: entry.responsePayload.errorMessage,
      }))
    : [];
  const rows = [...streamRows, ...eventRows];
  if (json) console.log(JSON.stringify(rows));
  else if (rows.length === 0)
    console.log(`No failed stream batches or events under ${dir}/ or ${eventsDir}/.`);
  else console.table(rows);
  return 0;
}

/** The image processor's events are redriven by the running sandbox, where the processor is wired. */
async function redriveEvents(home: string, eventsDir: string, json: boolean): Promise<number> {
  if (listAsyncFailures(eventsDir, IMAGE_PROCESSOR).length === 0) {
    console.log(`Nothing to redrive under ${eventsDir}/.`);
    return 0;
  }
  const sandbox = readRunningSandbox(home);
  if (!sandbox)
    throw new CliError(`No running sandbox found under ${home}/: start the sandbox first (\`npm start\`).`);
  const res = await fetch(`${sandbox.url}${EVENTS_PATH}/${IMAGE_PROCESSOR}/redrive`, {
    method: "POST",
    signal: AbortSignal.timeout(120_000),
  });
  if (!res.ok) throw new CliError(`The sandbox answered ${res.status} to the redrive`);
  const result = (await res.json()) as { redriven: number; stillFailing: number };
  if (json) console.log(JSON.stringify([{ mapping: IMAGE_PROCESSOR, ...result }]));
  else console.log(`${IMAGE_PROCESSOR}: ${result.redriven} redriven, ${result.stillFailing} still failing`);
  return result.stillFailing > 0 ? 1 : 0;
}

async function redrive(home: string, dir: string, names: string[], json: boolean): Promise<number> {
  const pending = names.filter((name) => name !== IMAGE_PROCESSOR && listDlq(dir, name).length > 0);
  if (pending.length === 0) {
    console.log(`Nothing to redrive under ${dir}/.`);
    return 0;
  }
  const sandbox = readRunningSandbox(home);
  if (!sandbox) {
    throw new CliError(
      `No running sandbox found under ${home}/: start the sandbox first (\`npm start\`); ` +
        "redrive writes through its DynamoDB.",
    );
  }
  const loaders = new Map<string, StreamHandlerLoader>();
  for (const name of pending) {
    const loader = streamHandlers[name];
    if (!loader) {
      const known = Object.keys(streamHandlers);
      throw new CliError(
        `No stream handler is registered for "${name}" (registered: ${known.length ? known.join(", ") : "none"}).\n` +
          "Register it in packages/sandbox/src/streams/registry.ts.",
      );
    }
    loaders.set(name, loader);
  }
  let failing = 0;
  const results = [];
  for (const [name, load] of loaders) {
    const result = await redriveDlq(dir, name, await load(sandbox));
    failing += result.stillFailing;
    results.push({ mapping: name, ...result });
    if (!json) {
      console.log(`${name}: ${result.redriven} redriven, ${result.stillFailing} still failing`);
      for (const outcome of result.outcomes.filter((o) => !o.ok)) {
        console.log(`  ${outcome.requestId} (${outcome.records} records): ${outcome.reason}`);
      }
    }
  }
  if (json) console.log(JSON.stringify(results));
  return failing > 0 ? 1 : 0;
}

async function main(): Promise<number> {
  // A deployed stage's queues: the infra package's command, loaded only then (it brings the AWS clients).
  const argv = process.argv.slice(2);
  if (process.env.npm_config_stage !== undefined)
    throw new UsageError(
      "npm took --stage for one of its own options: write `npm run dlq -- ... --stage <name>`",
    );
  if (argv.some((arg) => arg === "--stage" || arg.startsWith("--stage="))) {
    const { dlqStageCli } = await import("@meridian/infra/stage-cli");
    return dlqStageCli(argv);
  }
  const { values, positionals } = parseCli(
    {
      allowPositionals: true,
      options: {
        name: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    },
    "npm run dlq",
  );
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const home = process.env.MERIDIAN_HOME ?? ".meridian";
  const dir = join(home, "streams");
  const eventsDir = join(home, "events");
  const names = values.name ? [values.name] : [...dlqNames(dir), IMAGE_PROCESSOR];
  switch (command) {
    case "list":
      return list(dir, names, values.json ?? false, eventsDir);
    case "redrive": {
      const streams = names.some((name) => name !== IMAGE_PROCESSOR)
        ? await redrive(home, dir, names, values.json ?? false)
        : 0;
      const events = names.includes(IMAGE_PROCESSOR)
        ? await redriveEvents(home, eventsDir, values.json ?? false)
        : 0;
      return Math.max(streams, events);
    }
    default:
      throw new CliError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

runCli(main, USAGE);
