/**
 * The dashboard's JavaScript budget: what the first page loads (the entry `<script type="module">` of
 * `index.html` and every `<link rel="modulepreload">` it names) must stay at or under 80 KB gzipped; the
 * chunks loaded later through `import()` are listed apart. Measures packages/web/dist as `npm run build:web`
 * leaves it (gzip level 9, as the library sizes were measured; CloudFront compresses with gzip or
 * Brotli). Exits 1 over budget. Writes its results block into docs/performance.md; --print prints it instead.
 *
 *   npm run build:web && npx tsx bench/web-bundle.ts [--print]
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { repoRoot } from "./lib/bundle.ts";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const BUDGET_KB = 80;
const dist = join(repoRoot, "packages/web/dist");
const { values: args } = parseArgs({ options: { print: { type: "boolean", default: false } } });

if (!existsSync(join(dist, "index.html"))) {
  console.error("No build in packages/web/dist: run `npm run build:web` first.");
  process.exit(2);
}
const html = readFileSync(join(dist, "index.html"), "utf8");
// Vite writes `src="/app/assets/…"`: the path under dist is what follows the base.
const named = (pattern: RegExp) =>
  [...html.matchAll(pattern)].map((m) => (m[1] ?? "").replace(/^\/app\//, ""));
const firstPage = new Set([
  ...named(/<script type="module"[^>]*\ssrc="([^"]+)"/g),
  ...named(/<link rel="modulepreload"[^>]*\shref="([^"]+)"/g),
]);
const css = named(/<link rel="stylesheet"[^>]*\shref="([^"]+)"/g);

const sizeOf = (file: string) => {
  const bytes = readFileSync(join(dist, file));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const kb = (bytes: number) => (bytes / 1000).toFixed(1);
const rows: (string | number)[][] = [];
let firstGzip = 0;
let firstRaw = 0;
for (const file of firstPage) {
  const { raw, gzip } = sizeOf(file);
  firstGzip += gzip;
  firstRaw += raw;
  rows.push([`\`${file}\``, "first page", kb(raw), kb(gzip)]);
}
for (const file of readdirSync(join(dist, "assets")).map((f) => `assets/${f}`)) {
  if (firstPage.has(file) || !file.endsWith(".js")) continue;
  const { raw, gzip } = sizeOf(file);
  rows.push([`\`${file}\``, "later (import())", kb(raw), kb(gzip)]);
}
for (const file of css) {
  const { raw, gzip } = sizeOf(file);
  rows.push([`\`${file}\``, "first page (CSS)", kb(raw), kb(gzip)]);
}
const verdict = firstGzip <= BUDGET_KB * 1000 ? "within" : "OVER";
const lines = [
  ...machineLines("npm run build:web && npx tsx bench/web-bundle.ts"),
  "",
  `First page's JavaScript: **${kb(firstGzip)} KB gzipped** (${kb(firstRaw)} KB minified), ${verdict} the ` +
    `${BUDGET_KB} KB budget.`,
  "",
  ...table(["file", "loaded", "KB minified", "KB gzip -9"], rows),
];
if (args.print) console.log(lines.join("\n"));
else writeResultsBlock("web-bundle", lines);
console.log(`first page: ${kb(firstGzip)} KB gzipped JS (budget ${BUDGET_KB} KB): ${verdict}`);
if (verdict === "OVER") process.exit(1);
