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
 *
 * The handlers compared are in cold-start/variants.ts, how they are measured in cold-start/measure.ts, and
 * what is written from the measurements in cold-start/report.ts.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { COLD_PROFILE_RUNS, measure, type Settings, WARM_UP_COLD_RUNS } from "./cold-start/measure.ts";
import { coldStartBlock, type ReportInput, summaryLines, tracingBlock } from "./cold-start/report.ts";
import { buildVariants } from "./cold-start/variants.ts";
import { machine, writeResultsBlock } from "./lib/report.ts";

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
const settings: Settings = {
  runs: Number(args.runs),
  requests: Number(args.requests),
  warmup: Number(args.warmup),
  warmRounds: Number(args["warm-rounds"]),
  skipProfile: args["skip-profile"],
  node: args.node,
};

// This process's own SDK clients (set-up and teardown) need no reminder about Node 22 either.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
const workDir = mkdtempSync(join(tmpdir(), "meridian-cold-start-"));
let run: Pick<ReportInput, "variants" | "oursBundle" | "measured">;
try {
  const { variants, oursBundle } = await buildVariants(workDir);
  run = { variants, oursBundle, measured: await measure(variants, settings, workDir) };
} finally {
  // BENCH_KEEP=1 keeps the bundles, source maps and CPU profiles for a closer look.
  if (process.env.BENCH_KEEP === "1") console.log(`kept ${workDir}`);
  else rmSync(workDir, { recursive: true, force: true });
}

const { runs, requests, warmup, warmRounds } = settings;
const report: ReportInput = {
  ...run,
  settings,
  command: `npx tsx bench/cold-start.ts --runs ${runs} --requests ${requests} --warmup ${warmup} --warm-rounds ${warmRounds}${args.node === process.execPath ? "" : ` --node ${args.node}`}`,
  /** The functions' processes run `args.node`; the report names its version. */
  childMachine: { ...machine(), node: execFileSync(args.node, ["--version"], { encoding: "utf8" }).trim() },
  warmUpColdRuns: WARM_UP_COLD_RUNS,
  coldProfileRuns: COLD_PROFILE_RUNS,
};
const output = (id: string, block: string[]) =>
  args.print ? console.log(`--- ${id}\n${block.join("\n")}`) : writeResultsBlock(id, block);
output("cold-start", coldStartBlock(report));
output("cold-start-tracing", tracingBlock(report));
for (const line of summaryLines(report)) console.log(line);
