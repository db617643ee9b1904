/**
 * What building a request's EMF document costs (`emfDocument`, as observeRequests calls it for every HTTP
 * request: four metrics under `{service, route}` with its `{service}` rollup, one business count under
 * `{service}`, the access-log fields as properties), in µs per document, median of `--rounds` (7) rounds of
 * `--iterations` (200,000) documents each after a warm-up. JSON.stringify, which the logger does next, is
 * measured apart.
 *
 *   npx tsx bench/emf-document.ts [--iterations 200000] [--rounds 7]
 */
import { parseArgs } from "node:util";
import { emfDocument, type MetricGroup } from "@meridian/core";

const { values } = parseArgs({
  options: { iterations: { type: "string", default: "200000" }, rounds: { type: "string", default: "7" } },
});
const iterations = Number(values.iterations);
const rounds = Number(values.rounds);

const ROLLUP = [["service"]];
const groups = (latencyMs: number): MetricGroup[] => [
  {
    dimensions: { service: "http", route: "/epoch" },
    metrics: [
      { name: "Requests", value: 1, unit: "Count" },
      { name: "Errors", value: 0, unit: "Count" },
      { name: "ClientErrors", value: 0, unit: "Count" },
      { name: "Latency", value: latencyMs, unit: "Milliseconds" },
    ],
    rollups: ROLLUP,
  },
  { dimensions: { service: "http" }, metrics: [{ name: "EpochsRecorded", value: 1, unit: "Count" }] },
];
const properties = (i: number) => ({
  requestId: `r-${i}`,
  method: "POST",
  path: "/epoch",
  route: "/epoch",
  status: 201,
  latencyMs: i % 50,
  coldStart: false,
});

let sink = 0;
function round(stringify: boolean): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) {
    const document = emfDocument(groups(i % 50), { properties: properties(i), timestamp: 1_700_000_000_000 });
    sink += stringify ? JSON.stringify(document).length : document._aws.CloudWatchMetrics.length;
  }
  return Number(process.hrtime.bigint() - started) / 1000 / iterations;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

round(false);
round(true);
const built: number[] = [];
const written: number[] = [];
for (let r = 0; r < rounds; r++) {
  built.push(round(false));
  written.push(round(true));
}
console.log(`Node ${process.version}, ${iterations} documents x ${rounds} rounds (median µs per document)`);
console.log(`emfDocument:                  ${median(built).toFixed(2)} µs`);
console.log(`emfDocument + JSON.stringify: ${median(written).toFixed(2)} µs`);
console.log(
  `(document example: ${JSON.stringify(emfDocument(groups(12), { properties: properties(1), timestamp: 0 }))})`,
);
if (sink < 0) console.log(sink);
