/**
 * What unknown `x-api-key`s cost: DynamoDB reads of the api-keys table (GetItem calls, and the read units
 * DynamoDB Local reports for them) and the API server's CPU, for `--requests` (10,000) `POST /epoch`s of
 * each kind:
 *
 * - malformed: keys that cannot be ours (six shapes in turn: our prefix with the wrong length, a generated
 *   key with a last character 32 bytes never end in, under 16 characters, a space inside, over 128
 *   characters, `+` of base64 instead of base64url);
 * - random well-formed: a different `generateApiKey()` key each time (what an attacker guessing sends);
 * - replayed: `--pool` (100) well-formed unknown keys in turn (a revoked or mistyped key in a retry loop).
 *
 * The server is the sandbox's API (bench/servers/sandbox-server.ts: the app and wiring `npm start` runs) in
 * its own process, on DynamoDB Local through a proxy in this process that counts the GetItems on its
 * api-keys table, adds `ReturnConsumedCapacity: TOTAL` to them (DynamoDB Local does not check signatures)
 * and sums the units answered. `--baseline <checkout>` runs another checkout's server (its own
 * node_modules) through the same proxy, workload by workload, to compare before and after a change; in
 * each of `--rounds` (3) rounds the servers take turns going first, and the block gives each side's medians.
 * Also measured: the heap a full default `UnknownApiKeyCache` holds.
 *
 *   npx tsx bench/unknown-keys.ts [--requests 10000] [--connections 10] [--pool 100] [--rounds 3] [--baseline <dir>] [--print]
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { Agent, createServer, request as httpRequest, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { tableNames } from "@meridian/adapters";
import { ApiKeyHasher, generateApiKey, UnknownApiKeyCache } from "@meridian/core";
import { startDynamoDbLocal } from "@meridian/sandbox";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "10000" },
    connections: { type: "string", default: "10" },
    pool: { type: "string", default: "100" },
    /** Rounds; the servers take turns going first, and the figures are each side's medians. */
    rounds: { type: "string", default: "3" },
    /** A checkout of another commit (with its node_modules): its sandbox server runs the same workloads. */
    baseline: { type: "string" },
    print: { type: "boolean", default: false },
  },
});
const requests = Number(values.requests);
const connections = Number(values.connections);
const poolSize = Number(values.pool);
const rounds = Number(values.rounds);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const children: ChildProcess[] = [];

/** CPU time (user + system) a process has used so far, in µs, from /proc (clock ticks of 10 ms). */
function cpuMicros(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** GetItems per table and the read units DynamoDB Local answered for them. */
interface Reads {
  calls: number;
  units: number;
}
const reads = new Map<string, Reads>();
const readsOf = (tableName: string): Reads => {
  const entry = reads.get(tableName) ?? { calls: 0, units: 0 };
  reads.set(tableName, entry);
  return entry;
};

/** A loopback proxy in front of DynamoDB Local that counts GetItems and asks for their consumed capacity. */
async function countingProxy(engineEndpoint: string): Promise<{ url: string; close: () => void }> {
  const engine = new URL(engineEndpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body = Buffer.concat(chunks);
      let counted: Reads | undefined;
      if (req.headers["x-amz-target"] === "DynamoDB_20120810.GetItem") {
        const input = JSON.parse(body.toString("utf8")) as { TableName: string };
        counted = readsOf(input.TableName);
        counted.calls++;
        body = Buffer.from(JSON.stringify({ ...input, ReturnConsumedCapacity: "TOTAL" }));
      }
      const headers = { ...req.headers, "content-length": String(body.length), host: engine.host };
      const upstream = httpRequest(
        { host: engine.hostname, port: engine.port, path: req.url, method: req.method, headers, agent },
        (answer: IncomingMessage) => {
          const parts: Buffer[] = [];
          answer.on("data", (c: Buffer) => parts.push(c));
          answer.on("end", () => {
            const text = Buffer.concat(parts);
            if (counted && answer.statusCode === 200) {
              const out = JSON.parse(text.toString("utf8")) as {
                ConsumedCapacity?: { CapacityUnits?: number };
              };
              counted.units += out.ConsumedCapacity?.CapacityUnits ?? 0;
            }
            // Passed on unchanged: the SDK checks the body against DynamoDB's x-amz-crc32.
            res.writeHead(answer.statusCode ?? 502, answer.headers).end(text);
          });
        },
      );
      upstream.on("error", () => res.writeHead(502).end());
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
      agent.destroy();
    },
  };
}

/** The sandbox's API of `checkout` on `endpoint`, with its own tables (`prefix`). */
function launch(
  checkout: string,
  endpoint: string,
  prefix: string,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(checkout, "bench/servers/sandbox-server.ts"), endpoint, prefix],
    { stdio: ["ignore", "pipe", "inherit"], env: process.env, cwd: checkout },
  );
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("LISTENING "));
      if (line) resolve({ child, url: line.split(" ")[1] ?? "" });
    });
    child.once("exit", (code) => reject(new Error(`${checkout}'s sandbox server exited with ${code}`)));
  });
}

/** Keys that cannot be ours, in six shapes; every one a legal header value. */
function malformedKey(i: number): string {
  const generated = generateApiKey();
  switch (i % 6) {
    case 0:
      return generated.slice(0, 4 + (i % 43)); // our prefix, too short
    case 1:
      return `${generated.slice(0, -1)}B`; // 32 random bytes never end in B
    case 2:
      return generated.slice(4, 4 + 1 + (i % 15)); // 1 to 15 characters
    case 3:
      return `dev key ${generated.slice(4)}`; // a space inside
    case 4:
      return generated.slice(4).repeat(4); // 172 characters
    default:
      return `mrd_+${generated.slice(5)}`; // base64, not base64url
  }
}

const workloads = [
  { name: "malformed", label: "malformed keys (6 shapes)", key: malformedKey },
  { name: "random", label: "random well-formed keys, each new", key: () => generateApiKey() },
  {
    name: "replayed",
    label: `${poolSize} random well-formed keys, replayed in turn`,
    // A new pool each round (made at i = 0), the same for both servers within it.
    key: (() => {
      let pool: string[] = [];
      let round = -1;
      return (i: number, r: number) => {
        if (r !== round) [pool, round] = [Array.from({ length: poolSize }, () => generateApiKey()), r];
        return pool[i % pool.length] ?? "";
      };
    })(),
  },
] as const satisfies readonly { name: string; label: string; key: (i: number, round: number) => string }[];

interface Result {
  calls: number;
  units: number;
  cpuUsPerRequest: number;
  seconds: number;
  statuses: Record<string, number>;
}

/** `count` POST /epoch with the workload's keys, `connections` at a time. */
async function run(
  server: { child: ChildProcess; url: string },
  apiKeysTable: string,
  key: (i: number, round: number) => string,
  count = requests,
  round = 0,
): Promise<Result> {
  const keys = Array.from({ length: count }, (_, i) => key(i, round));
  const before = { ...readsOf(apiKeysTable) };
  const cpu0 = cpuMicros(server.child.pid);
  const started = performance.now();
  const statuses: Record<string, number> = {};
  let next = 0;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (next < keys.length) {
        const res = await fetch(`${server.url}/epoch`, {
          method: "POST",
          headers: { "x-api-key": keys[next++] ?? "" },
        });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const after = readsOf(apiKeysTable);
  return {
    calls: after.calls - before.calls,
    units: Math.round((after.units - before.units) * 10) / 10,
    cpuUsPerRequest: Math.round((cpuMicros(server.child.pid) - cpu0) / count),
    seconds: Math.round(seconds * 10) / 10,
    statuses,
  };
}

/** Heap held by a full `UnknownApiKeyCache` of its default size, ids made as the API makes them. */
function fullCacheHeapBytes(): { entries: number; bytes: number } {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const hasher = new ApiKeyHasher("bench-pepper-0123456789abcdef0123456789");
  const keys = Array.from({ length: 5_000 }, () => generateApiKey());
  gc();
  const before = process.memoryUsage().heapUsed;
  const cache = new UnknownApiKeyCache();
  for (const key of keys) cache.add(hasher.idOf(hasher.hash(key)));
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  return { entries: cache.size, bytes: cache.size > 0 ? bytes : Number.NaN };
}

const engine = await startDynamoDbLocal();
const proxy = await countingProxy(engine.endpoint);
try {
  const servers = [
    ...(values.baseline ? [{ side: "before", checkout: values.baseline, prefix: "before" }] : []),
    { side: values.baseline ? "after" : "this checkout", checkout: here(".."), prefix: "after" },
  ];
  const running = [];
  for (const s of servers) running.push({ ...s, server: await launch(s.checkout, proxy.url, s.prefix) });

  // Warm-up (the JIT, the pools, DynamoDB Local), not counted: malformed and new keys, not the replayed pool.
  for (const r of running) {
    for (const key of [malformedKey, generateApiKey])
      await run(r.server, tableNames(r.prefix).apiKeys, key, 500);
  }

  const results: Record<string, Record<string, Result[]>> = {};
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? running : [...running].reverse();
    for (const w of workloads) {
      results[w.name] ??= {};
      for (const r of order) {
        const result = await run(r.server, tableNames(r.prefix).apiKeys, w.key, requests, round);
        const bySide = results[w.name] as Record<string, Result[]>;
        bySide[r.side] = [...(bySide[r.side] ?? []), result];
        console.error(
          `round ${round + 1} ${w.name} / ${r.side}: ${result.calls} GetItem, ${result.units} read units, ${result.cpuUsPerRequest} µs CPU per request, ${result.seconds} s, statuses ${JSON.stringify(result.statuses)}`,
        );
        const refused = result.statuses["401"] ?? 0;
        if (refused !== requests)
          throw new Error(`${w.name} / ${r.side}: ${refused} of ${requests} answered 401`);
      }
    }
  }
  const heap = fullCacheHeapBytes();

  const sides = running.map((r) => r.side);
  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
      ? (sorted[mid] ?? Number.NaN)
      : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
  };
  const of = (w: string, side: string) => results[w]?.[side] ?? [];
  const cell = (w: string, side: string) => {
    const rs = of(w, side);
    const calls = rs.map((r) => r.calls);
    const spread =
      Math.min(...calls) === Math.max(...calls) ? "" : ` (${Math.min(...calls)}–${Math.max(...calls)})`;
    return `${median(calls)} / ${median(rs.map((r) => r.units))}${spread}`;
  };
  const cpuCell = (w: string, side: string) => {
    const cpu = of(w, side).map((r) => r.cpuUsPerRequest);
    return `${Math.round(median(cpu))} µs (${Math.min(...cpu)}–${Math.max(...cpu)})`;
  };
  const commitOf = (dir: string) =>
    execFileSync("git", ["-C", dir, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  const lines = [
    ...machineLines(
      `npx tsx bench/unknown-keys.ts --requests ${requests} --connections ${connections} --pool ${poolSize} --rounds ${rounds}${values.baseline ? " --baseline <checkout>" : ""}`,
    ),
    ...(values.baseline
      ? [
          `- before: a checkout of ${commitOf(values.baseline)}; after: this checkout (${commitOf(here(".."))})`,
        ]
      : []),
    `- ${requests} \`POST /epoch\` per workload and round, ${connections} at a time, against the sandbox's API; every one answered 401 \`API_KEY_INVALID\`; ${rounds} rounds, the servers taking turns to go first; medians, and the range where rounds differ`,
    "",
    ...table(
      [
        "workload",
        ...sides.map((s) => `${s}: GetItem calls / read units`),
        ...sides.map((s) => `${s}: server CPU per request (range)`),
      ],
      workloads.map((w) => [
        w.label,
        ...sides.map((s) => cell(w.name, s)),
        ...sides.map((s) => cpuCell(w.name, s)),
      ]),
    ),
    "",
    `Heap held by a full \`UnknownApiKeyCache\` (default: ${heap.entries} ids, 5 s): ${Math.round(heap.bytes / 1024)} KiB (${Math.round(heap.bytes / heap.entries)} bytes per id).`,
  ];
  if (values.print) console.log(lines.join("\n"));
  else writeResultsBlock("unknown-keys", lines);
  console.log(
    JSON.stringify({ settings: { requests, connections, pool: poolSize, rounds }, results, heap }, null, 2),
  );
} finally {
  for (const child of children) child.kill("SIGTERM");
  proxy.close();
  await engine.stop();
}
