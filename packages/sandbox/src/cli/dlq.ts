import { join } from "node:path";
import { parseArgs } from "node:util";
import { readRunningSandbox } from "../running.ts";
import { dlqNames, listDlq, redriveDlq, type StreamFailureRecord } from "../streams/destination.ts";
import { type StreamHandlerLoader, streamHandlers } from "../streams/registry.ts";

const USAGE = `Usage: npm run dlq -- <command> [--name <mapping>] [--json]

The local on-failure destination of the sandbox's stream mappings: batches that kept failing or grew
too old, stored in <MERIDIAN_HOME>/streams/<mapping>.dlq.jsonl (MERIDIAN_HOME defaults to .meridian).

Commands:
  list      show the failed batches (every mapping, or --name <mapping>)
  redrive   invoke the mapping's handler again with each batch's records, against the running
            sandbox's DynamoDB; batches that now succeed are removed, the others stay`;

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

function list(dir: string, names: string[], json: boolean): number {
  const rows = names.flatMap((name) =>
    listDlq(dir, name).map((entry) => ({ mapping: name, ...summary(entry) })),
  );
  if (json) console.log(JSON.stringify(rows));
  else if (rows.length === 0) console.log(`No failed stream batches under ${dir}/.`);
  else console.table(rows);
  return 0;
}

async function redrive(home: string, dir: string, names: string[], json: boolean): Promise<number> {
  const pending = names.filter((name) => listDlq(dir, name).length > 0);
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
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  const home = process.env.MERIDIAN_HOME ?? ".meridian";
  const dir = join(home, "streams");
  const names = values.name ? [values.name] : dlqNames(dir);
  switch (command) {
    case "list":
      return list(dir, names, values.json ?? false);
    case "redrive":
      return redrive(home, dir, names, values.json ?? false);
    default:
      throw new CliError(`Unknown command "${command}".\n\n${USAGE}`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
