/**
 * Cold start and warm CPU of the real `http` Lambda bundle against a minimal one-PutItem handler,
 * both bundled the same way, both in fresh `node` processes, in one run against one DynamoDB Local.
 * Writes its results block into docs/performance.md.
 *
 *   npx tsx bench/cold-start.ts [--runs 15] [--requests 2000] [--warmup 200] [--warm-rounds 3] [--skip-profile]
 *
 * Unless --skip-profile, one more warm process per handler runs under `node --cpu-prof`, and the self time
 * of its measured loop is traced back (through the bundle's source map) to the package that spent it.
 * BENCH_KEEP=1 keeps the bundles and profiles (the path is printed).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { createDocumentClient, DynamoApiKeyStore, ensureTables, tableNames } from "@meridian/adapters";
import { ApiKeyHasher, createApiKey, systemClock } from "@meridian/core";
import { startDynamoDbLocal } from "@meridian/sandbox";
import { build } from "esbuild";
import {
  bundleLambda,
  bytesByPackage,
  kib,
  type LambdaBundle,
  lambdaFunctions,
  repoRoot,
} from "./lib/bundle.ts";
import type { ColdResult, WarmResult } from "./lib/cold-start-child.ts";
import { selfTimeByOwner } from "./lib/cpu-profile.ts";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const COLD_TARGET = 1.25;
const CPU_TARGET = 1.2;
const CHILD_TIMEOUT_MS = 120_000;

const { values: args } = parseArgs({
  options: {
    runs: { type: "string", default: "15" },
    requests: { type: "string", default: "2000" },
    warmup: { type: "string", default: "200" },
    "warm-rounds": { type: "string", default: "3" },
    "skip-profile": { type: "boolean", default: false },
  },
});
const runs = Number(args.runs);
const requests = Number(args.requests);
const warmup = Number(args.warmup);
const warmRounds = Number(args["warm-rounds"]);

interface Variant {
  name: "ours" | "minimal";
  label: string;
  bundle: LambdaBundle;
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
    const child: ChildProcess = spawn(process.execPath, [...nodeFlags, childScript, ...argv], {
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
const httpFunction = lambdaFunctions.find((fn) => fn.name === "http");
if (!httpFunction) throw new Error("no http function in bench/lib/bundle.ts");

const variants: Variant[] = [
  {
    name: "ours",
    label: "ours (`http` bundle: Hono app, API-key auth, zod, DynamoDB document client)",
    bundle: await bundleLambda(httpFunction.entry, join(workDir, "ours")),
  },
  {
    name: "minimal",
    label: "minimal (one PutItem, bare `@aws-sdk/client-dynamodb`)",
    bundle: await bundleLambda(join(repoRoot, "bench/lib/minimal-handler.ts"), join(workDir, "minimal")),
  },
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

const engine = await startDynamoDbLocal();
const db = createDocumentClient({ endpoint: engine.endpoint });
const cold = new Map<Variant["name"], ColdSample[]>([
  ["ours", []],
  ["minimal", []],
]);
const warm = new Map<Variant["name"], WarmResult[]>([
  ["ours", []],
  ["minimal", []],
]);
/** Self time per owner from `--cpu-prof` runs: ms for the cold path, µs per request for the warm loop. */
const profiles = {
  cold: new Map<Variant["name"], Map<string, number>>(),
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
    TABLE_EPOCHS: tables.epochs,
    TABLE_API_KEYS: tables.apiKeys,
    APP_SECRET: appSecret,
    DYNAMODB_ENDPOINT: engine.endpoint,
    AWS_REGION: "us-east-1",
    // Fake credentials. DynamoDB Local keeps tables per access key id; "local" is what the adapters' client
    // uses for an endpoint, so the minimal handler (which reads these) sees the same tables.
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    BENCH_API_KEY: key,
  };

  const coldRun = async (variant: Variant): Promise<ColdSample> => {
    const result = await runChild<ColdResult>(childScript, [variant.bundle.outfile, "cold"], env);
    return { ...result, spawnToResponseMs: result.respondedAtMs - result.spawnedAtMs };
  };
  // DynamoDB Local is a JVM: let it compile its hot paths before anything is measured.
  for (let i = 0; i < 3; i++) for (const variant of variants) await coldRun(variant);

  for (let i = 0; i < runs; i++) {
    // Alternate the order so drift on the machine (or in the engine) hits both sides alike.
    for (const variant of i % 2 === 0 ? variants : [...variants].reverse()) {
      const sample = await coldRun(variant);
      cold.get(variant.name)?.push(sample);
      console.log(`cold ${variant.name.padEnd(7)} #${i + 1}: ${ms(sample.spawnToResponseMs)} ms`);
    }
  }
  for (let round = 0; round < warmRounds; round++) {
    for (const variant of round % 2 === 0 ? variants : [...variants].reverse()) {
      const result = await runChild<WarmResult>(
        childScript,
        [variant.bundle.outfile, "warm", String(requests), String(warmup)],
        env,
      );
      warm.get(variant.name)?.push(result);
      console.log(
        `warm ${variant.name.padEnd(7)} round ${round + 1}: ${result.cpuUsPerRequest.toFixed(0)} µs CPU/request`,
      );
    }
  }
  for (const variant of args["skip-profile"] ? [] : variants) {
    const bundleUrl = pathToFileURL(variant.bundle.outfile).href;
    const coldDir = join(workDir, `profile-cold-${variant.name}`);
    await runChild<ColdResult>(childScript, [variant.bundle.outfile, "cold"], env, [
      "--cpu-prof",
      `--cpu-prof-dir=${coldDir}`,
      "--cpu-prof-interval=100",
    ]);
    // The child exits right after its first response: the whole profile is the cold path.
    const coldOwners = selfTimeByOwner(coldDir, bundleUrl, [0, Number.MAX_SAFE_INTEGER]);
    profiles.cold.set(variant.name, new Map(coldOwners.map((o) => [o.name, o.us / 1000])));

    const warmDir = join(workDir, `profile-warm-${variant.name}`);
    const result = await runChild<WarmResult>(
      childScript,
      [variant.bundle.outfile, "warm", String(requests), String(warmup)],
      env,
      ["--cpu-prof", `--cpu-prof-dir=${warmDir}`, "--cpu-prof-interval=250"],
    );
    const warmOwners = selfTimeByOwner(warmDir, bundleUrl, [result.loopStartUs, result.loopEndUs]);
    profiles.warm.set(variant.name, new Map(warmOwners.map((o) => [o.name, o.us / requests])));
  }
} finally {
  db.destroy();
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
    `${(median(of((s) => s.rssBytes)) / 2 ** 20).toFixed(0)} MiB`,
    kib(v.bundle.bytes),
  ];
});
const coldRatio =
  median(coldOf("ours", (s) => s.spawnToResponseMs)) / median(coldOf("minimal", (s) => s.spawnToResponseMs));
const coldRatioP90 =
  p90(coldOf("ours", (s) => s.spawnToResponseMs)) / p90(coldOf("minimal", (s) => s.spawnToResponseMs));
const cpuRatio = median(cpuOf("ours")) / median(cpuOf("minimal"));
const verdict = (ratio: number, target: number) =>
  `${ratio.toFixed(2)}× (target ≤ ${target}×: ${ratio <= target ? "met" : "NOT met"})`;

const [ours, minimal] = variants as [Variant, Variant];
const minimalPackages = new Map(bytesByPackage(minimal.bundle).map((p) => [p.name, p.bytes]));
const extra = bytesByPackage(ours.bundle)
  .map((p) => ({ name: p.name, bytes: p.bytes - (minimalPackages.get(p.name) ?? 0) }))
  .filter((p) => p.bytes > 0)
  .sort((a, b) => b.bytes - a.bytes)
  .slice(0, 10);

const lines = [
  ...machineLines(
    `npx tsx bench/cold-start.ts --runs ${runs} --requests ${requests} --warmup ${warmup} --warm-rounds ${warmRounds}`,
  ),
  `- ${runs} cold runs per handler, alternating; each a fresh \`node\` process; ${3} discarded warm-up runs each first`,
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
      "RSS after",
      "bundle",
    ],
    coldRows,
  ),
  "",
  `Cold ratio ours / minimal: median ${verdict(coldRatio, COLD_TARGET)}; p90 ${coldRatioP90.toFixed(2)}×.`,
  "",
  `Warm per-request CPU (user + system of the function's process, ${requests} sequential requests after ${warmup} warm-up, ${warmRounds} rounds, one process per round):`,
  "",
  ...table(
    ["handler", "CPU µs/request, median", "each round", "wall µs/request, median"],
    variants.map((v) => [
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
  "What ours bundles beyond minimal (bytes in the minified output, from esbuild's metafile):",
  "",
  ...table(
    ["package", "extra bytes"],
    extra.map((p) => [p.name, p.bytes]),
  ),
];
/** Owners side by side, largest difference first, with a total row. */
function profileTable(of: Map<Variant["name"], Map<string, number>>, digits: number): string[] {
  const ours = of.get("ours") ?? new Map<string, number>();
  const minimal = of.get("minimal") ?? new Map<string, number>();
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  const rows = [...new Set([...ours.keys(), ...minimal.keys()])]
    .map((name) => ({ name, ours: ours.get(name) ?? 0, minimal: minimal.get(name) ?? 0 }))
    .sort((a, b) => Math.abs(b.ours - b.minimal) - Math.abs(a.ours - a.minimal))
    .slice(0, 15);
  rows.push({ name: "**all sampled CPU**", ours: sum(ours), minimal: sum(minimal) });
  return table(
    ["owner", "ours", "minimal", "difference"],
    rows.map((r) => [
      r.name,
      r.ours.toFixed(digits),
      r.minimal.toFixed(digits),
      (r.ours - r.minimal).toFixed(digits),
    ]),
  );
}

if (profiles.cold.size === 2 && profiles.warm.size === 2) {
  lines.push(
    "",
    "Where the time goes, from one more process per handler and path run under `node --cpu-prof`: self " +
      "time per owner, bundle frames traced back through the source map to their package, V8 built-ins " +
      "charged to their caller, `node:*` being Node's own JavaScript (and the system calls it makes). The " +
      "profiler adds overhead: compare the columns, not these totals with the tables above. Largest " +
      "differences first.",
    "",
    "Cold path, process start → first response (ms of CPU, sampled every 100 µs):",
    "",
    ...profileTable(profiles.cold, 1),
    "",
    `Warm loop (µs per request over ${requests} requests, sampled every 250 µs):`,
    "",
    ...profileTable(profiles.warm, 0),
  );
}
writeResultsBlock("cold-start", lines);
console.log(`cold ratio ${coldRatio.toFixed(2)}×, warm CPU ratio ${cpuRatio.toFixed(2)}×`);
