/**
 * The report of bench/cold-start.ts: the statistics of the measurements and the two results blocks it writes
 * into docs/performance.md, `cold-start` (ours against the minimal handlers, with the targets' verdicts and
 * where the time goes) and `cold-start-tracing` (tracing on against off).
 */
import { bytesByPackage, kib, type LambdaBundle } from "../lib/bundle.ts";
import { type Machine, machineLines, table } from "../lib/report.ts";
import type { ColdSample, Measurements, Profiles, Settings } from "./measure.ts";
import type { Variant, VariantName } from "./variants.ts";

const COLD_TARGET = 1.25;
const CPU_TARGET = 1.2;
/** Tracing stays on by default in every stage only if it adds less than this, cold and warm (issue "Observability"). */
export const TRACING_LIMIT = 1.15;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}
const median = (values: number[]) => quantile(values, 0.5);
const p90 = (values: number[]) => quantile(values, 0.9);
export const ms = (value: number) => value.toFixed(1);

/** What the report is about: the run's variants, settings, command line and machine, and what was measured. */
export interface ReportInput {
  variants: Variant[];
  oursBundle: LambdaBundle;
  settings: Settings;
  measured: Measurements;
  command: string;
  childMachine: Machine;
  /** Discarded cold runs of each variant before the measured ones. */
  warmUpColdRuns: number;
  /** Cold processes profiled per variant, averaged. */
  coldProfileRuns: number;
}

/** The figures both blocks and the closing summary use. */
function figures({ variants, measured }: ReportInput) {
  const coldOf = (name: VariantName, pick: (s: ColdSample) => number) =>
    (measured.cold.get(name) ?? []).map(pick);
  const cpuOf = (name: VariantName) => (measured.warm.get(name) ?? []).map((r) => r.cpuUsPerRequest);
  const wallOf = (name: VariantName) => (measured.warm.get(name) ?? []).map((r) => r.wallUsPerRequest);
  const coldMedian = (name: VariantName) => median(coldOf(name, (s) => s.spawnToResponseMs));
  const coldP90 = (name: VariantName) => p90(coldOf(name, (s) => s.spawnToResponseMs));
  const coldCpuMedian = (name: VariantName) => median(coldOf(name, (s) => s.cpuMs));
  const importMedian = (name: VariantName) => median(coldOf(name, (s) => s.importMs));
  const tracedColdRatio = coldMedian("traced") / coldMedian("ours");
  const tracedCpuRatio = median(cpuOf("traced")) / median(cpuOf("ours"));
  return {
    coldOf,
    cpuOf,
    wallOf,
    coldMedian,
    coldP90,
    importMedian,
    coldRatio: coldMedian("ours") / coldMedian("minimal"),
    coldRatioP90: coldP90("ours") / coldP90("minimal"),
    coldCpuRatio: coldCpuMedian("ours") / coldCpuMedian("minimal"),
    keyCheckRatio: coldMedian("ours") / coldMedian("minimal-key-check"),
    keyCheckCost: coldMedian("minimal-key-check") / coldMedian("minimal"),
    cpuRatio: median(cpuOf("ours")) / median(cpuOf("minimal")),
    tracedColdRatio,
    tracedCpuRatio,
    tracingWithinLimit: tracedColdRatio < TRACING_LIMIT && tracedCpuRatio < TRACING_LIMIT,
    variantNamed: (name: VariantName) => variants.find((v) => v.name === name) as Variant,
  };
}

const verdict = (ratio: number, target: number) =>
  `${ratio.toFixed(2)}× (target ≤ ${target}×: ${ratio <= target ? "met" : "NOT met"})`;

/** Owners of two variants side by side, largest difference first, with a total row. */
function profileTable(
  of: Map<VariantName, Map<string, number>>,
  [a, b]: [VariantName, VariantName],
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

/** Whether every warm variant was profiled (not with --skip-profile). */
function profiled({ variants, measured }: ReportInput): boolean {
  const warmCount = variants.filter((v) => !v.coldOnly).length;
  return measured.profiles.cold.size === warmCount && measured.profiles.warm.size === warmCount;
}

/** The cold and warm profile tables of one pair of variants, under an introduction. */
function profileSection(
  input: ReportInput,
  profiles: Profiles,
  intro: string,
  coldHeading: string,
  pair: [VariantName, VariantName],
): string[] {
  const { coldProfileRuns, settings } = input;
  const note =
    `from more processes per handler run under \`node --cpu-prof\` (${coldProfileRuns} cold ones, averaged; one warm one): self ` +
    "time per owner, bundle frames traced back through the source map to their package, V8 built-ins " +
    "charged to their caller, `node:*` being Node's own JavaScript (and the system calls it makes). The " +
    "profiler adds overhead: compare the columns, not these totals with the tables above. Largest " +
    "differences first.";
  return [
    "",
    `${intro}, ${note}`,
    "",
    `${coldHeading} (ms of CPU, sampled every 100 µs, mean of ${coldProfileRuns} processes):`,
    "",
    ...profileTable(profiles.cold, pair, 1),
    "",
    "Of which the first invocation (from the end of the import to the first response):",
    "",
    ...profileTable(profiles.invoke, pair, 1),
    "",
    `Warm loop (µs per request over ${settings.requests} requests, sampled every 250 µs):`,
    "",
    ...profileTable(profiles.warm, pair, 0),
  ];
}

/** The `cold-start` results block. */
export function coldStartBlock(input: ReportInput): string[] {
  const { variants, settings, command, childMachine, measured } = input;
  const { runs, requests, warmup, warmRounds } = settings;
  const f = figures(input);
  const warmVariants = variants.filter((v) => !v.coldOnly);
  const coldRows = variants.map((v) => {
    const of = (pick: (s: ColdSample) => number) => f.coldOf(v.name, pick);
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
  const [ours, minimal] = [f.variantNamed("ours"), f.variantNamed("minimal")];
  const minimalPackages = new Map(bytesByPackage(minimal.bundle).map((p) => [p.name, p.bytes]));
  const extra = bytesByPackage(ours.bundle)
    .map((p) => ({ name: p.name, bytes: p.bytes - (minimalPackages.get(p.name) ?? 0) }))
    .filter((p) => p.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 10);

  const lines = [
    ...machineLines(command, childMachine),
    `- ${runs} cold runs per handler, in rotating order; each a fresh \`node\` process; ${input.warmUpColdRuns} discarded warm-up runs each first`,
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
    `Cold ratio ours / minimal: median ${verdict(f.coldRatio, COLD_TARGET)}; p90 ${f.coldRatioP90.toFixed(2)}×; ` +
      `CPU to first response ${f.coldCpuRatio.toFixed(2)}× (user + system of the process: no waiting on ` +
      "DynamoDB Local counted, less noisy than the wall clock).",
    "",
    `The API-key read that \`POST /epoch\` makes before it writes, alone, on the bare SDK: minimal + the key ` +
      `check / minimal ${f.keyCheckCost.toFixed(2)}× (median, ${ms(f.coldMedian("minimal-key-check") - f.coldMedian("minimal"))} ms); ` +
      `ours / (minimal + the key check) ${f.keyCheckRatio.toFixed(2)}× (not the target's reference).`,
    "",
    `Warm per-request CPU (user + system of the function's process, ${requests} sequential requests after ${warmup} warm-up, ${warmRounds} rounds, one process per round):`,
    "",
    ...table(
      ["handler", "CPU µs/request, median", "each round", "wall µs/request, median"],
      warmVariants.map((v) => [
        v.label,
        median(f.cpuOf(v.name)).toFixed(0),
        f
          .cpuOf(v.name)
          .map((x) => x.toFixed(0))
          .join(", "),
        median(f.wallOf(v.name)).toFixed(0),
      ]),
    ),
    "",
    `Warm CPU ratio ours / minimal: ${verdict(f.cpuRatio, CPU_TARGET)}.`,
    "",
    "What ours loads at start-up beyond minimal (bytes in the minified `index.mjs` and its static chunks, from esbuild's metafile):",
    "",
    ...table(
      ["package", "extra bytes"],
      extra.map((p) => [p.name, p.bytes]),
    ),
  ];
  if (profiled(input)) {
    lines.push(
      ...profileSection(
        input,
        measured.profiles,
        "Where the time goes",
        "Cold path, process start → first response",
        ["ours", "minimal"],
      ),
    );
  }
  return lines;
}

/** The `cold-start-tracing` results block. */
export function tracingBlock(input: ReportInput): string[] {
  const { variants, oursBundle, settings, command, childMachine, measured } = input;
  const { runs, requests, warmup, warmRounds } = settings;
  const f = figures(input);
  const noTracer = f.variantNamed("no-tracer");
  /** What the tracer adds to the asset: all of ours against all of the build with `xray.ts` stubbed. */
  const tracerChunkBytes =
    oursBundle.startupBytes + oursBundle.lazyBytes - noTracer.bundle.startupBytes - noTracer.bundle.lazyBytes;
  /** Invocations per warm process: the first, the warm-up, the measured loop. */
  const warmInvocations = warmRounds * (1 + warmup + requests);
  const tracingRow = (label: string, value: (name: VariantName) => number, digits: number) => {
    const [off, on] = [value("ours"), value("traced")];
    return [label, off.toFixed(digits), on.toFixed(digits), `${(on / off).toFixed(2)}×`];
  };
  const lines = [
    ...machineLines(command, childMachine),
    "- the same run as the block above: same bundle, same DynamoDB Local, the variants in rotating order",
    "",
    ...table(
      ["measure (median)", "tracing off", "tracing on", "on / off"],
      [
        tracingRow("cold: spawn → first response, ms", f.coldMedian, 1),
        tracingRow("cold: spawn → first response p90, ms", f.coldP90, 1),
        tracingRow("cold: import bundle, ms", f.importMedian, 1),
        tracingRow("cold: first invoke, ms", (n) => median(f.coldOf(n, (s) => s.firstInvokeMs)), 1),
        tracingRow("cold: RSS after, MiB", (n) => median(f.coldOf(n, (s) => s.rssBytes)) / 2 ** 20, 0),
        tracingRow("warm: CPU µs/request", (n) => median(f.cpuOf(n)), 0),
        tracingRow("warm: wall µs/request", (n) => median(f.wallOf(n)), 0),
      ],
    ),
    "",
    `Tracing on / off: cold median ${f.tracedColdRatio.toFixed(2)}×, warm CPU ${f.tracedCpuRatio.toFixed(2)}× ` +
      `(limit: under ${TRACING_LIMIT}× on both: ${f.tracingWithinLimit ? "within" : "NOT within"}).`,
    "",
    `With tracing off, the tracer's chunk (${kib(tracerChunkBytes)}) is never loaded. Against the same bundle ` +
      `built without the tracer (start-up files ${kib(oursBundle.startupBytes)} vs ` +
      `${kib(noTracer.bundle.startupBytes)}): import ` +
      `${ms(f.importMedian("ours"))} vs ${ms(f.importMedian("no-tracer"))} ms, spawn → first response ` +
      `${ms(f.coldMedian("ours"))} vs ${ms(f.coldMedian("no-tracer"))} ms (medians; ` +
      `${(f.coldMedian("ours") / f.coldMedian("no-tracer")).toFixed(2)}×).`,
    "",
    "Datagrams received by the bench's UDP socket (the X-Ray daemon's address), by variant:",
    "",
    ...table(
      ["handler", "cold runs", "per cold run", "warm rounds", "per warm invocation"],
      variants.map((v) => [
        v.name,
        measured.sent.cold.get(v.name) ?? 0,
        ((measured.sent.cold.get(v.name) ?? 0) / runs).toFixed(1),
        v.coldOnly ? "-" : (measured.sent.warm.get(v.name) ?? 0),
        v.coldOnly ? "-" : ((measured.sent.warm.get(v.name) ?? 0) / warmInvocations).toFixed(2),
      ]),
    ),
    "",
    "Subsegments in them (name: count):",
    "",
    [...measured.sentNames]
      .sort((a, b) => b[1] - a[1])
      .map(([name, count]) => `\`${name}\`: ${count}`)
      .join(", "),
  ];
  if (profiled(input)) {
    lines.push(
      ...profileSection(input, measured.profiles, "Where tracing spends it", "Cold path", ["traced", "ours"]),
    );
  }
  return lines;
}

/** The two lines the run ends with on the console. */
export function summaryLines(input: ReportInput): string[] {
  const f = figures(input);
  return [
    `cold ratio ${f.coldRatio.toFixed(2)}× (against minimal + the key check ${f.keyCheckRatio.toFixed(2)}×), warm CPU ratio ${f.cpuRatio.toFixed(2)}×`,
    `tracing on / off: cold ${f.tracedColdRatio.toFixed(2)}×, warm CPU ${f.tracedCpuRatio.toFixed(2)}× ` +
      `(${f.tracingWithinLimit ? "within" : "NOT within"} the ${TRACING_LIMIT}× limit)`,
  ];
}
