/**
 * POST /epoch throughput and p99: the sandbox vs a bare node:http server doing one SDK PutItem, in one
 * run, against the same DynamoDB Local; plus the sandbox's start-to-first-healthy time and memory.
 *
 *   npm run bench:epoch [-- --duration 8 --connections 10 --rounds 5] [-- --baseline <checkout>]
 *
 * `--baseline <dir>` adds the sandbox server of another checkout (its own `npm ci` done), measured in the
 * same rounds: to see what a change costs the hot path, side by side, e.g.
 * `git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci)`.
 *
 * Servers run in their own processes; this process is the load generator (autocannon). The machine has
 * 2 cores, so the generator competes with the server: compare the ratios, not the absolute figures.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
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
    /** A checkout of another commit (with its node_modules): its sandbox server joins every round. */
    baseline: { type: "string" },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const children: ChildProcess[] = [];

function launch(
  script: string,
  args: string[],
  cwd?: string,
): Promise<{ child: ChildProcess; words: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: process.env,
    cwd,
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

/** CPU time (user + system) a process has used so far, in µs, from /proc (clock ticks of 10 ms). */
function cpuMicros(pid: number | undefined): number {
  if (!pid) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/**
 * One run against one server. Besides req/s and p99: the CPU each request cost the server and DynamoDB
 * Local (the two share the machine's cores with the load generator, so CPU per request is what bounds the
 * throughput; it varies less between rounds than req/s).
 */
async function load(url: string, headers: Record<string, string>, serverPid?: number, enginePid?: number) {
  const [server0, engine0] = [cpuMicros(serverPid), cpuMicros(enginePid)];
  const result = await autocannon({ url: `${url}/epoch`, method: "POST", headers, connections, duration });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const count = result.requests.total;
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    count,
    serverCpuUs: Math.round((cpuMicros(serverPid) - server0) / count),
    engineCpuUs: Math.round((cpuMicros(enginePid) - engine0) / count),
  };
}

const round2 = (x: number) => Math.round(x * 100) / 100;
const medians = (runs: Awaited<ReturnType<typeof load>>[]) => ({
  rps: median(runs.map((r) => r.rps)),
  p99: median(runs.map((r) => r.p99)),
  serverCpuUs: median(runs.map((r) => r.serverCpuUs)),
  engineCpuUs: median(runs.map((r) => r.engineCpuUs)),
});
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  // An even count takes the mean of the two middle values.
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
};

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
  // The other checkout's sandbox, on its own tables of the same engine.
  const before = values.baseline
    ? await launch(
        join(values.baseline, "bench/servers/sandbox-server.ts"),
        [engine.endpoint, "baseline"],
        values.baseline,
      )
    : undefined;
  const [sandboxUrl, apiKey] = sandbox.words as [string, string];
  const [beforeUrl, beforeKey] = (before?.words ?? []) as [string?, string?];
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
  if (beforeUrl)
    await autocannon({
      url: `${beforeUrl}/epoch`,
      method: "POST",
      headers: { "x-api-key": beforeKey ?? "" },
      connections,
      duration: 3,
    });

  const ours: Awaited<ReturnType<typeof load>>[] = [];
  const base: Awaited<ReturnType<typeof load>>[] = [];
  const reference: Awaited<ReturnType<typeof load>>[] = [];
  const baseline: Awaited<ReturnType<typeof load>>[] = [];
  const loadBaseline = async () => {
    if (beforeUrl)
      baseline.push(await load(beforeUrl, { "x-api-key": beforeKey ?? "" }, before?.child.pid, engine.pid));
  };
  for (let round = 1; round <= rounds; round++) {
    // Alternate who goes first, so a drift of the engine's speed does not favour one side.
    if (round % 2 === 1) {
      base.push(await load(bareUrl, {}, bare.child.pid, engine.pid));
      await loadBaseline();
      ours.push(await load(sandboxUrl, { "x-api-key": apiKey }, sandbox.child.pid, engine.pid));
      if (cachedUrl) reference.push(await load(cachedUrl, {}, cached?.child.pid, engine.pid));
    } else {
      if (cachedUrl) reference.push(await load(cachedUrl, {}, cached?.child.pid, engine.pid));
      ours.push(await load(sandboxUrl, { "x-api-key": apiKey }, sandbox.child.pid, engine.pid));
      await loadBaseline();
      base.push(await load(bareUrl, {}, bare.child.pid, engine.pid));
    }
    const show = (r?: Awaited<ReturnType<typeof load>>) =>
      `${r?.rps} req/s p99 ${r?.p99} ms, CPU/request ${r?.serverCpuUs} µs + DynamoDB Local ${r?.engineCpuUs} µs`;
    console.error(
      `round ${round}: bare ${show(base.at(-1))} | sandbox ${show(ours.at(-1))}${reference.length ? ` | bare+cacheMiddleware ${show(reference.at(-1))}` : ""}${baseline.length ? ` | baseline sandbox ${show(baseline.at(-1))}` : ""}`,
    );
  }
  const summary = {
    bare: medians(base),
    sandbox: medians(ours),
    ...(reference.length > 0 && { bareCacheMiddleware: medians(reference) }),
    ...(baseline.length > 0 && { baselineSandbox: medians(baseline) }),
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
  before?.child.kill("SIGTERM");
  db.destroy();
  await engine.stop();

  const startup = await startupAndMemory();
  console.log(
    JSON.stringify(
      {
        settings: { connections, durationSeconds: duration, rounds },
        rounds: { bare: base, sandbox: ours, bareCacheMiddleware: reference, baselineSandbox: baseline },
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
        // This checkout's sandbox against the other checkout's, round by round (`--baseline`).
        ...(baseline.length > 0 && {
          ratiosVsBaselineSandbox: {
            throughput: round2(median(ours.map((r, i) => r.rps / (baseline[i]?.rps ?? Number.NaN)))),
            p99: round2(median(ours.map((r, i) => r.p99 / (baseline[i]?.p99 ?? Number.NaN)))),
            serverCpu: round2(
              median(ours.map((r, i) => r.serverCpuUs / (baseline[i]?.serverCpuUs ?? Number.NaN))),
            ),
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
