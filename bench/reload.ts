/**
 * How long from saving a file under packages/api/src until the sandbox answers with the new code (npm
 * start's reload): saves `/health`'s route with a new answer, polls `/health` until it changes, `--rounds`
 * times; median and max. The sandbox watches a copy of the sources (as reload.test.ts does), so the bench
 * never edits the checkout; the copy is built and loaded exactly as the checkout would be.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { APP_PACKAGES, PACKAGES_DIR, type ReloadEvent } from "../packages/sandbox/src/reload/index.ts";
import { startSandbox } from "../packages/sandbox/src/sandbox.ts";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "10" } } });
const rounds = Number(values.rounds);

const copy = mkdtempSync(join(tmpdir(), "meridian-bench-reload-"));
for (const name of APP_PACKAGES) {
  cpSync(join(PACKAGES_DIR, name, "package.json"), join(copy, name, "package.json"));
  cpSync(join(PACKAGES_DIR, name, "src"), join(copy, name, "src"), { recursive: true });
}
const health = join(copy, "api", "src", "routes", "health.ts");
const original = readFileSync(health, "utf8");
if (!original.includes('c.json({ status: "ok" })'))
  throw new Error("health.ts no longer answers { status: 'ok' }");

const events: ReloadEvent[] = [];
const sandbox = await startSandbox({
  port: 0,
  home: null,
  logSink: () => {},
  metricsJobPeriodSeconds: 0,
  images: false,
  dashboard: false,
  reload: { packagesDir: copy, onReload: (event) => events.push(event) },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const seen: number[] = [];
try {
  // esbuild's first read of the sources runs in the background at start.
  await sleep(2_000);
  for (let round = 1; round <= rounds; round++) {
    const saved = performance.now();
    writeFileSync(
      health,
      original.replace(
        'c.json({ status: "ok" })',
        `c.json({ status: "ok", round: ${round} } as { status: "ok" })`,
      ),
    );
    for (;;) {
      const body = (await (await fetch(`${sandbox.url}/health`)).json()) as { round?: number };
      if (body.round === round) break;
      if (performance.now() - saved > 10_000) throw new Error(`round ${round}: no reload within 10 s`);
      await sleep(2);
    }
    seen.push(performance.now() - saved);
    await sleep(300);
  }
} finally {
  await sandbox.stop();
  rmSync(copy, { recursive: true, force: true });
}

const sorted = [...seen].sort((a, b) => a - b);
const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
const max = sorted.at(-1) ?? 0;
const reported = events.filter((event) => event.kind === "reloaded").map((event) => event.ms);
const reportedMedian = [...reported].sort((a, b) => a - b)[Math.floor(reported.length / 2)] ?? 0;
console.log(
  `save → new answer: median ${Math.round(median)} ms, max ${Math.round(max)} ms (${rounds} rounds)`,
);
writeResultsBlock("reload", [
  ...machineLines(`npm run bench:reload -- --rounds ${rounds}`),
  "",
  ...table(
    ["figure", "median", "max", "target"],
    [
      [
        "save → `/health` answers with the edit",
        `${Math.round(median)} ms`,
        `${Math.round(max)} ms`,
        "300 ms",
      ],
      [
        "the sandbox's own line (`reloaded … in N ms`)",
        `${reportedMedian} ms`,
        `${Math.max(0, ...reported)} ms`,
        "",
      ],
    ],
  ),
]);
