/**
 * Cold start and warm CPU of the real `http` Lambda bundle against a minimal one-PutItem handler, and of
 * the same `http` bundle with X-Ray tracing on (`TRACING_ENABLED=true`), and (cold only) of the minimal handler
 * plus the API-key read that `POST /epoch` makes before writing, all bundled the same way, all in
 * fresh `node` processes, in one run against one DynamoDB Local. The traced variant sends its segments
 * over UDP to a socket this script listens on (127.0.0.1, a free port), which counts them: nothing leaves
 * the machine. Writes its results blocks (`cold-start`, `cold-start-tracing`) into docs/performance.md.
 *
 *   npx tsx bench/cold-start.ts [--runs 15] [--requests 2000] [--warmup 200] [--warm-rounds 3] [--skip-profile] [--print]
 *
 * Unless --skip-profile, more processes per handler run under `node --cpu-prof` (COLD_PROFILE_RUNS cold ones,
 * their profiles averaged, whole and from the end of the import on, and one warm one, its measured loop), and
 * the self time is traced back (through the bundle's source maps) to the package that spent it.
 * BENCH_KEEP=1 keeps the bundles and profiles (the path is printed). --print prints the results blocks
 * instead of writing them (for trial runs).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createDocumentClient, DynamoApiKeyStore, ensureTables, tableNames } from "@meridian/adapters";
import { ApiKeyHasher, createApiKey, systemClock } from "@meridian/core";
import { httpEnvironment, tableEnvironment } from "@meridian/functions";
import { LAMBDA_NODE_MAJOR } from "@meridian/infra/bundling";
import { startDynamoDbLocal } from "@meridian/sandbox";
import { build } from "esbuild";
import {
  bundleLambda,
  bytesByPackage,
  kib,
  type LambdaBundle,
  lambdaFunctions,
  repoRoot,
  stubModule,
} from "./lib/bundle.ts";
import type { ColdResult, WarmResult } from "./lib/cold-start-child.ts";
import { type SelfTime, selfTimeByOwner } from "./lib/cpu-profile.ts";
import { machine, machineLines, table, writeResultsBlock } from "./lib/report.ts";

const COLD_TARGET = 1.25;
const CPU_TARGET = 1.2;
/** Tracing stays on by default in every stage only if it adds less than this, cold and warm (issue "Observability"). */
const TRACING_LIMIT = 1.15;
const CHILD_TIMEOUT_MS = 120_000;
/** Cold processes profiled per handler, averaged: one is a few hundred samples. */
const COLD_PROFILE_RUNS = 3;

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    requests: { type: "string", default: "2000" },
    warmup: { type: "string", default: "200" },
    "warm-rounds": { type: "string", default: "3" },
    "skip-profile": { type: "boolean", default: false },
    /** Another Node binary for the functions' processes (e.g. Lambda's Node 24); default this one. */
    node: { type: "string", default: process.execPath },
    print: { type: "boolean", default: false },
  },
});
const runs = Number(args.runs);
const requests = Number(args.requests);
const warmup = Number(args.warmup);
const warmRounds = Number(args["warm-rounds"]);

interface Variant {
  name: "ours" | "traced" | "minimal" | "minimal-key-check" | "no-tracer";
  label: string;
  bundle: LambdaBundle;
  /** Set on top of the shared environment. */
  env?: NodeJS.ProcessEnv;
  /** Measured on the cold path only (its warm path is the same code as another variant's). */
  coldOnly?: boolean;
}

interface ColdSample extends ColdResult {
  /** Parent's clock: just before spawn → the child's first response. */
  spawnToResponseMs: number;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
const median = (values: number[]) => quantile(values, 0.5);
const p90 = (values: number[]) => quantile(values, 0.9);
const ms = (value: number) => value.toFixed(1);

/** Runs the child script in a fresh `node`, returns its BENCH_RESULT; kills it (by pid) on timeout. */
function runChild<T>(
  childScript: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
): Promise<T & { spawnedAtMs: number }> {
  return new Promise((resolve, reject) => {
    const spawnedAtMs = performance.timeOrigin + performance.now();
    const child: ChildProcess = spawn(args.node, [...nodeFlags, childScript, ...argv], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      // Keep only the tail: the real handler logs one access line per request.
      stdout = (stdout + chunk.toString()).slice(-64_000);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-3_000);
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, CHILD_TIMEOUT_MS);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
      if (code !== 0 || !line) {
        reject(
          new Error(
            `child ${argv.join(" ")} exited with ${code ?? signal}:\n${stderr}\n${stdout.slice(-2_000)}`,
          ),
        );
        return;
      }
      resolve({ ...(JSON.parse(line.slice("BENCH_RESULT ".length)) as T), spawnedAtMs });
    });
  });
}

// This process's own SDK clients (set-up and teardown) need no reminder about Node 22 either.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const workDir = mkdtempSync(join(tmpdir(), "meridian-cold-start-"));
/** The names the HTTP function's loader reads. */
const http = httpEnvironment.variables;
const httpFunction = lambdaFunctions.find((fn) => fn.name === "http");
if (!httpFunction) throw new Error("no http function in bench/lib/bundle.ts");

const oursBundle = await bundleLambda(httpFunction.entry, join(workDir, "ours"));
const variants: Variant[] = [
  {
    name: "ours",
    label: "ours (`http` bundle: Hono app, API-key auth, zod, DynamoDB document client)",
    bundle: oursBundle,
  },
  {
    name: "traced",
    label: "ours, tracing on (same bundle, `TRACING_ENABLED=true`)",
    bundle: oursBundle,
    env: { [http.tracingEnabled]: "true" },
  },
  {
    name: "minimal",
    label: "minimal (one PutItem, bare `@aws-sdk/client-dynamodb`)",
    bundle: await bundleLambda(join(repoRoot, "bench/lib/minimal-handler.ts"), join(workDir, "minimal")),
  },
  {
    // Not the target's reference: what the API-key read alone adds to the floor (cold only: ours caches keys).
    name: "minimal-key-check",
    label: "minimal + the API-key check (GetItem of the key, then the PutItem; bare SDK)",
    bundle: await bundleLambda(
      join(repoRoot, "bench/lib/minimal-key-check-handler.ts"),
      join(workDir, "minimal-key-check"),
    ),
    coldOnly: true,
  },
  {
    // With tracing off the tracer's chunk is never loaded (code splitting); this checks that it costs nothing.
    name: "no-tracer",
    label: "ours without the tracer's code (`tracing/xray.ts` stubbed out of the bundle)",
    bundle: await bundleLambda(httpFunction.entry, join(workDir, "no-tracer"), [
      stubModule(
        /^\.\/xray\.ts$/,
        /functions\/src\/tracing\/tracing\.ts$/,
        'export function createXrayTracing() { throw new Error("stubbed"); }',
      ),
    ]),
    coldOnly: true,
  },
];
const warmVariants = variants.filter((v) => !v.coldOnly);
/** Each variant in each position equally often, so drift on the machine hits all of them alike. */
const rotated = (list: Variant[], i: number) => [
  ...list.slice(i % list.length),
  ...list.slice(0, i % list.length),
];
const childScript = join(workDir, "child.mjs");
await build({
  entryPoints: [join(repoRoot, "bench/lib/cold-start-child.ts")],
  outfile: childScript,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});

/**
 * The X-Ray daemon's stand-in: counts the datagrams (one per closed subsegment in Lambda) and the
 * subsegment names, per variant, from the header line `{"format":"json","version":1}` and the document.
 */
const daemon = createSocket("udp4");
const datagrams = new Map<Variant["name"], number>(variants.map((v) => [v.name, 0]));
const subsegmentNames = new Map<string, number>();
let listening: Variant["name"] | undefined;
daemon.on("message", (message) => {
  if (listening) datagrams.set(listening, (datagrams.get(listening) ?? 0) + 1);
  const [header, body] = message.toString("utf8").split("\n", 2);
  if (header !== '{"format":"json","version":1}' || !body) return;
  const name = (JSON.parse(body) as { name?: string }).name ?? "(unnamed)";
  subsegmentNames.set(name, (subsegmentNames.get(name) ?? 0) + 1);
});
await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
const daemonAddress = `127.0.0.1:${daemon.address().port}`;

const engine = await startDynamoDbLocal();
const db = createDocumentClient({ endpoint: engine.endpoint });
/** Datagrams received during the measured cold runs and warm rounds, and the subsegments they held. */
const sent = { cold: new Map<Variant["name"], number>(), warm: new Map<Variant["name"], number>() };
const sentNames = new Map<string, number>();
const cold = new Map<Variant["name"], ColdSample[]>(variants.map((v) => [v.name, []]));
const warm = new Map<Variant["name"], WarmResult[]>(warmVariants.map((v) => [v.name, []]));
/** Self time per owner from `--cpu-prof` runs: ms for the cold path, µs per request for the warm loop. */
const profiles = {
  cold: new Map<Variant["name"], Map<string, number>>(),
  invoke: new Map<Variant["name"], Map<string, number>>(),
  warm: new Map<Variant["name"], Map<string, number>>(),
};
try {
  const tables = tableNames("bench");
  await ensureTables(db, tables);
  const appSecret = randomBytes(32).toString("base64url");
  const { key } = await createApiKey(
    {
      apiKeys: new DynamoApiKeyStore(db, tables.apiKeys),
      hasher: new ApiKeyHasher(appSecret),
      clock: systemClock,
    },
    { name: "bench" },
  );
  // What the function sees in Lambda, pointed at DynamoDB Local; nothing inherited from this process.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    // The HTTP function's variables, by its contract's names (the minimal handlers read the same ones).
    ...tableEnvironment(tables),
    // Sign-in is not exercised (POST /epoch takes an API key); the issuer is never contacted.
    [http.jwtIssuer]: "http://127.0.0.1:9/issuer",
    [http.jwtAudience]: "bench",
    [http.appSecret]: appSecret,
    [http.dynamodbEndpoint]: engine.endpoint,
    [http.region]: "us-east-1",
    // Fake credentials. DynamoDB Local keeps tables per access key id; "local" is what the adapters' client
    // uses for an endpoint, so the minimal handler (which reads these) sees the same tables.
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    // What Lambda sets for every function, traced or not; the X-Ray SDK and Powertools look at these.
    // The child sets `_X_AMZN_TRACE_ID` (Sampled=1) before each invocation, as the runtime does.
    AWS_LAMBDA_FUNCTION_NAME: "meridian-bench-http",
    AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${LAMBDA_NODE_MAJOR}.x`,
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    LAMBDA_TASK_ROOT: join(workDir, "ours"),
    AWS_XRAY_DAEMON_ADDRESS: daemonAddress,
    BENCH_API_KEY: key,
  };
  const envOf = (variant: Variant): NodeJS.ProcessEnv => ({ ...env, ...variant.env });
  /** Runs a child for a variant, charging the datagrams that arrive meanwhile to it. */
  const runFor = async <T>(variant: Variant, argv: string[], nodeFlags: string[] = []) => {
    listening = variant.name;
    try {
      return await runChild<T>(childScript, [variant.bundle.outfile, ...argv], envOf(variant), nodeFlags);
    } finally {
      listening = undefined;
    }
  };

  const coldRun = async (variant: Variant): Promise<ColdSample> => {
    const result = await runFor<ColdResult>(variant, ["cold"]);
    return { ...result, spawnToResponseMs: result.respondedAtMs - result.spawnedAtMs };
  };
  // DynamoDB Local is a JVM: let it compile its hot paths before anything is measured.
  for (let i = 0; i < 3; i++) for (const variant of variants) await coldRun(variant);
  for (const name of datagrams.keys()) datagrams.set(name, 0);
  subsegmentNames.clear();

  for (let i = 0; i < runs; i++) {
    for (const variant of rotated(variants, i)) {
      const sample = await coldRun(variant);
      cold.get(variant.name)?.push(sample);
      console.log(`cold ${variant.name.padEnd(7)} #${i + 1}: ${ms(sample.spawnToResponseMs)} ms`);
    }
  }
  for (const [name, count] of datagrams) sent.cold.set(name, count);
  for (const name of datagrams.keys()) datagrams.set(name, 0);
  for (let round = 0; round < warmRounds; round++) {
    for (const variant of rotated(warmVariants, round)) {
      const result = await runFor<WarmResult>(variant, ["warm", String(requests), String(warmup)]);
      warm.get(variant.name)?.push(result);
      console.log(
        `warm ${variant.name.padEnd(7)} round ${round + 1}: ${result.cpuUsPerRequest.toFixed(0)} µs CPU/request`,
      );
    }
  }
  for (const [name, count] of datagrams) sent.warm.set(name, count);
  for (const [name, count] of subsegmentNames) sentNames.set(name, count);
  if (!sent.cold.get("traced") || !sent.warm.get("traced")) {
    throw new Error("the traced variant sent no segments: tracing did not run");
  }
  for (const variant of args["skip-profile"] ? [] : warmVariants) {
    const bundleUrl = pathToFileURL(variant.bundle.outfile).href;
    // One cold profile is a few hundred samples: average several, whole path and first invocation.
    const cold = new Map<string, number>();
    const invoke = new Map<string, number>();
    const add = (into: Map<string, number>, owners: SelfTime[]) => {
      for (const o of owners) into.set(o.name, (into.get(o.name) ?? 0) + o.us / 1000 / COLD_PROFILE_RUNS);
    };
    for (let run = 0; run < COLD_PROFILE_RUNS; run++) {
      const coldDir = join(workDir, `profile-cold-${variant.name}-${run}`);
      const result = await runFor<ColdResult>(
        variant,
        ["cold"],
        ["--cpu-prof", `--cpu-prof-dir=${coldDir}`, "--cpu-prof-interval=100"],
      );
      // The child exits right after its first response: the whole profile is the cold path.
      add(cold, selfTimeByOwner(coldDir, bundleUrl, [0, Number.MAX_SAFE_INTEGER]));
      add(invoke, selfTimeByOwner(coldDir, bundleUrl, [result.importedUs, Number.MAX_SAFE_INTEGER]));
    }
    profiles.cold.set(variant.name, cold);
    profiles.invoke.set(variant.name, invoke);

    const warmDir = join(workDir, `profile-warm-${variant.name}`);
    const result = await runFor<WarmResult>(
      variant,
      ["warm", String(requests), String(warmup)],
      ["--cpu-prof", `--cpu-prof-dir=${warmDir}`, "--cpu-prof-interval=250"],
    );
    const warmOwners = selfTimeByOwner(warmDir, bundleUrl, [result.loopStartUs, result.loopEndUs]);
    profiles.warm.set(variant.name, new Map(warmOwners.map((o) => [o.name, o.us / requests])));
  }
} finally {
  db.destroy();
  daemon.close();
  await engine.stop();
  // BENCH_KEEP=1 keeps the bundles, source maps and CPU profiles for a closer look.
  if (process.env.BENCH_KEEP === "1") console.log(`kept ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}

const coldOf = (name: Variant["name"], pick: (s: ColdSample) => number) => (cold.get(name) ?? []).map(pick);
const cpuOf = (name: Variant["name"]) => (warm.get(name) ?? []).map((r) => r.cpuUsPerRequest);
const wallOf = (name: Variant["name"]) => (warm.get(name) ?? []).map((r) => r.wallUsPerRequest);

const coldRows = variants.map((v) => {
  const of = (pick: (s: ColdSample) => number) => coldOf(v.name, pick);
  return [
    v.label,
    `${ms(median(of((s) => s.spawnToResponseMs)))} / ${ms(p90(of((s) => s.spawnToResponseMs)))}`,
    ms(median(of((s) => s.bootMs))),
    ms(median(of((s) => s.importMs))),
    ms(median(of((s) => s.firstInvokeMs))),
    ms(median(of((s) => s.cpuMs))),
    `${(median(of((s) => s.rssBytes)) / 2 ** 20).toFixed(0)} MiB`,
    kib(v.bundle.startupBytes),
  ];
});
const coldMedian = (name: Variant["name"]) => median(coldOf(name, (s) => s.spawnToResponseMs));
const coldP90 = (name: Variant["name"]) => p90(coldOf(name, (s) => s.spawnToResponseMs));
const coldRatio = coldMedian("ours") / coldMedian("minimal");
const coldRatioP90 = coldP90("ours") / coldP90("minimal");
const coldCpuMedian = (name: Variant["name"]) => median(coldOf(name, (s) => s.cpuMs));
const coldCpuRatio = coldCpuMedian("ours") / coldCpuMedian("minimal");
const keyCheckRatio = coldMedian("ours") / coldMedian("minimal-key-check");
const keyCheckCost = coldMedian("minimal-key-check") / coldMedian("minimal");
const cpuRatio = median(cpuOf("ours")) / median(cpuOf("minimal"));
const verdict = (ratio: number, target: number) =>
  `${ratio.toFixed(2)}× (target ≤ ${target}×: ${ratio <= target ? "met" : "NOT met"})`;

const importMedian = (name: Variant["name"]) => median(coldOf(name, (s) => s.importMs));
const tracedColdRatio = coldMedian("traced") / coldMedian("ours");
const tracedCpuRatio = median(cpuOf("traced")) / median(cpuOf("ours"));
const tracingWithinLimit = tracedColdRatio < TRACING_LIMIT && tracedCpuRatio < TRACING_LIMIT;

const variantNamed = (name: Variant["name"]) => variants.find((v) => v.name === name) as Variant;
/** What the tracer adds to the asset: all of ours against all of the build with `xray.ts` stubbed. */
const tracerChunkBytes =
  oursBundle.startupBytes +
  oursBundle.lazyBytes -
  variantNamed("no-tracer").bundle.startupBytes -
  variantNamed("no-tracer").bundle.lazyBytes;
const [ours, minimal] = [variantNamed("ours"), variantNamed("minimal")];
const minimalPackages = new Map(bytesByPackage(minimal.bundle).map((p) => [p.name, p.bytes]));
const extra = bytesByPackage(ours.bundle)
  .map((p) => ({ name: p.name, bytes: p.bytes - (minimalPackages.get(p.name) ?? 0) }))
  .filter((p) => p.bytes > 0)
  .sort((a, b) => b.bytes - a.bytes)
  .slice(0, 10);

const command = `npx tsx bench/cold-start.ts --runs ${runs} --requests ${requests} --warmup ${warmup} --warm-rounds ${warmRounds}${args.node === process.execPath ? "" : ` --node ${args.node}`}`;
/** The functions' processes run `args.node`; the report names its version. */
const childMachine = {
  ...machine(),
  node: execFileSync(args.node, ["--version"], { encoding: "utf8" }).trim(),
};
const lines = [
  ...machineLines(command, childMachine),
  `- ${runs} cold runs per handler, in rotating order; each a fresh \`node\` process; ${3} discarded warm-up runs each first`,
  "",
  "Cold path (ms; spawn → first response is measured from the parent's clock, the rest inside the child):",
  "",
  ...table(
    [
      "handler",
      "spawn → first response, median / p90",
      "Node boot",
      "import bundle",
      "first invoke",
      "CPU to first response",
      "RSS after",
      "start-up files (index.mjs + static chunks)",
    ],
    coldRows,
  ),
  "",
  `Cold ratio ours / minimal: median ${verdict(coldRatio, COLD_TARGET)}; p90 ${coldRatioP90.toFixed(2)}×; ` +
    `CPU to first response ${coldCpuRatio.toFixed(2)}× (user + system of the process: no waiting on ` +
    "DynamoDB Local counted, less noisy than the wall clock).",
  "",
  `The API-key read that \`POST /epoch\` makes before it writes, alone, on the bare SDK: minimal + the key ` +
    `check / minimal ${keyCheckCost.toFixed(2)}× (median, ${ms(coldMedian("minimal-key-check") - coldMedian("minimal"))} ms); ` +
    `ours / (minimal + the key check) ${keyCheckRatio.toFixed(2)}× (not the target's reference).`,
  "",
  `Warm per-request CPU (user + system of the function's process, ${requests} sequential requests after ${warmup} warm-up, ${warmRounds} rounds, one process per round):`,
  "",
  ...table(
    ["handler", "CPU µs/request, median", "each round", "wall µs/request, median"],
    warmVariants.map((v) => [
      v.label,
      median(cpuOf(v.name)).toFixed(0),
      cpuOf(v.name)
        .map((x) => x.toFixed(0))
        .join(", "),
      median(wallOf(v.name)).toFixed(0),
    ]),
  ),
  "",
  `Warm CPU ratio ours / minimal: ${verdict(cpuRatio, CPU_TARGET)}.`,
  "",
  "What ours loads at start-up beyond minimal (bytes in the minified `index.mjs` and its static chunks, from esbuild's metafile):",
  "",
  ...table(
    ["package", "extra bytes"],
    extra.map((p) => [p.name, p.bytes]),
  ),
];
/** Owners of two variants side by side, largest difference first, with a total row. */
function profileTable(
  of: Map<Variant["name"], Map<string, number>>,
  [a, b]: [Variant["name"], Variant["name"]],
  digits: number,
): string[] {
  const left = of.get(a) ?? new Map<string, number>();
  const right = of.get(b) ?? new Map<string, number>();
  const sum = (m: Map<string, number>) => [...m.values()].reduce((x, y) => x + y, 0);
  const rows = [...new Set([...left.keys(), ...right.keys()])]
    .map((name) => ({ name, left: left.get(name) ?? 0, right: right.get(name) ?? 0 }))
    .sort((x, y) => Math.abs(y.left - y.right) - Math.abs(x.left - x.right))
    .slice(0, Number(process.env.BENCH_PROFILE_ROWS ?? 15));
  rows.push({ name: "**all sampled CPU**", left: sum(left), right: sum(right) });
  return table(
    ["owner", a, b, "difference"],
    rows.map((r) => [
      r.name,
      r.left.toFixed(digits),
      r.right.toFixed(digits),
      (r.left - r.right).toFixed(digits),
    ]),
  );
}

const profiled = profiles.cold.size === warmVariants.length && profiles.warm.size === warmVariants.length;
const PROFILE_NOTE =
  `from more processes per handler run under \`node --cpu-prof\` (${COLD_PROFILE_RUNS} cold ones, averaged; one warm one): self ` +
  "time per owner, bundle frames traced back through the source map to their package, V8 built-ins " +
  "charged to their caller, `node:*` being Node's own JavaScript (and the system calls it makes). The " +
  "profiler adds overhead: compare the columns, not these totals with the tables above. Largest " +
  "differences first.";
/** The cold and warm profile tables of one pair of variants, under an introduction. */
const profileSection = (intro: string, coldHeading: string, pair: [Variant["name"], Variant["name"]]) => [
  "",
  `${intro}, ${PROFILE_NOTE}`,
  "",
  `${coldHeading} (ms of CPU, sampled every 100 µs, mean of ${COLD_PROFILE_RUNS} processes):`,
  "",
  ...profileTable(profiles.cold, pair, 1),
  "",
  "Of which the first invocation (from the end of the import to the first response):",
  "",
  ...profileTable(profiles.invoke, pair, 1),
  "",
  `Warm loop (µs per request over ${requests} requests, sampled every 250 µs):`,
  "",
  ...profileTable(profiles.warm, pair, 0),
];
if (profiled) {
  lines.push(
    ...profileSection("Where the time goes", "Cold path, process start → first response", [
      "ours",
      "minimal",
    ]),
  );
}
const output = (id: string, block: string[]) =>
  args.print ? console.log(`--- ${id}\n${block.join("\n")}`) : writeResultsBlock(id, block);
output("cold-start", lines);

/** Invocations per warm process: the first, the warm-up, the measured loop. */
const warmInvocations = warmRounds * (1 + warmup + requests);
const tracingRow = (label: string, value: (name: Variant["name"]) => number, digits: number) => {
  const [off, on] = [value("ours"), value("traced")];
  return [label, off.toFixed(digits), on.toFixed(digits), `${(on / off).toFixed(2)}×`];
};
const tracingLines = [
  ...machineLines(command, childMachine),
  "- the same run as the block above: same bundle, same DynamoDB Local, the variants in rotating order",
  "",
  ...table(
    ["measure (median)", "tracing off", "tracing on", "on / off"],
    [
      tracingRow("cold: spawn → first response, ms", coldMedian, 1),
      tracingRow("cold: spawn → first response p90, ms", coldP90, 1),
      tracingRow("cold: import bundle, ms", importMedian, 1),
      tracingRow("cold: first invoke, ms", (n) => median(coldOf(n, (s) => s.firstInvokeMs)), 1),
      tracingRow("cold: RSS after, MiB", (n) => median(coldOf(n, (s) => s.rssBytes)) / 2 ** 20, 0),
      tracingRow("warm: CPU µs/request", (n) => median(cpuOf(n)), 0),
      tracingRow("warm: wall µs/request", (n) => median(wallOf(n)), 0),
    ],
  ),
  "",
  `Tracing on / off: cold median ${tracedColdRatio.toFixed(2)}×, warm CPU ${tracedCpuRatio.toFixed(2)}× ` +
    `(limit: under ${TRACING_LIMIT}× on both: ${tracingWithinLimit ? "within" : "NOT within"}).`,
  "",
  `With tracing off, the tracer's chunk (${kib(tracerChunkBytes)}) is never loaded. Against the same bundle ` +
    `built without the tracer (start-up files ${kib(oursBundle.startupBytes)} vs ` +
    `${kib(variantNamed("no-tracer").bundle.startupBytes)}): import ` +
    `${ms(importMedian("ours"))} vs ${ms(importMedian("no-tracer"))} ms, spawn → first response ` +
    `${ms(coldMedian("ours"))} vs ${ms(coldMedian("no-tracer"))} ms (medians; ` +
    `${(coldMedian("ours") / coldMedian("no-tracer")).toFixed(2)}×).`,
  "",
  "Datagrams received by the bench's UDP socket (the X-Ray daemon's address), by variant:",
  "",
  ...table(
    ["handler", "cold runs", "per cold run", "warm rounds", "per warm invocation"],
    variants.map((v) => [
      v.name,
      sent.cold.get(v.name) ?? 0,
      ((sent.cold.get(v.name) ?? 0) / runs).toFixed(1),
      v.coldOnly ? "-" : (sent.warm.get(v.name) ?? 0),
      v.coldOnly ? "-" : ((sent.warm.get(v.name) ?? 0) / warmInvocations).toFixed(2),
    ]),
  ),
  "",
  "Subsegments in them (name: count):",
  "",
  [...sentNames]
    .sort((a, b) => b[1] - a[1])
    .map(([name, count]) => `\`${name}\`: ${count}`)
    .join(", "),
];
if (profiled)
  tracingLines.push(...profileSection("Where tracing spends it", "Cold path", ["traced", "ours"]));
output("cold-start-tracing", tracingLines);
console.log(
  `cold ratio ${coldRatio.toFixed(2)}× (against minimal + the key check ${keyCheckRatio.toFixed(2)}×), warm CPU ratio ${cpuRatio.toFixed(2)}×`,
);
console.log(
  `tracing on / off: cold ${tracedColdRatio.toFixed(2)}×, warm CPU ${tracedCpuRatio.toFixed(2)}× ` +
    `(${tracingWithinLimit ? "within" : "NOT within"} the ${TRACING_LIMIT}× limit)`,
);
