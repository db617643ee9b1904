/**
 * Bundle size of every Lambda function, built exactly as it is deployed (`@meridian/infra/bundling`, through
 * bench/lib/bundle.ts): `index.mjs`, what a cold start loads (it and the chunks it imports statically) and the
 * chunks loaded only through `import()`. Writes its results block into docs/performance.md; --print prints it
 * instead (for trial runs).
 *
 *   npx tsx bench/bundle-size.ts [--print]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";
import {
  bundleLambda,
  bytesByPackage,
  bytesMatching,
  kib,
  lambdaFunctions,
  packagesIn,
} from "./lib/bundle.ts";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const TOP_PACKAGES = 12;
const TOP_LAZY_CHUNKS = 8;

const { values: args } = parseArgs({ options: { print: { type: "boolean", default: false } } });
const percent = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;

const outRoot = mkdtempSync(join(tmpdir(), "meridian-bundle-"));
try {
  const lines = [...machineLines("npx tsx bench/bundle-size.ts"), ""];
  const sizes: (string | number)[][] = [];
  const breakdowns: string[] = [];
  for (const fn of lambdaFunctions) {
    const bundle = await bundleLambda(fn.entry, join(outRoot, fn.name));
    sizes.push([
      fn.name,
      `\`${fn.entry}\``,
      bundle.bytes,
      bundle.startupBytes,
      bundle.startup.length,
      kib(bundle.startupBytes),
      kib(bundle.startupGzipBytes),
      bundle.lazyBytes,
      bundle.lazy.length,
    ]);
    const packages = bytesByPackage(bundle);
    const locales = bytesMatching(bundle, /node_modules\/zod\/v4\/locales\//);
    breakdowns.push(
      "",
      `Largest packages in what \`${fn.name}\` loads at start-up (bytes in the minified \`index.mjs\` and ` +
        "its static chunks, from esbuild's metafile):",
      "",
      ...table(
        ["package", "bytes", "share"],
        packages.slice(0, TOP_PACKAGES).map((p) => [p.name, p.bytes, percent(p.bytes, bundle.startupBytes)]),
      ),
      "",
      `Of zod's bytes, its translated error messages (\`zod/v4/locales\`, ${locales.files} files) take ` +
        `${locales.bytes} bytes (${percent(locales.bytes, bundle.startupBytes)} of the start-up files).`,
      "",
      `Largest chunks \`${fn.name}\` loads only when its code imports them (\`import()\`):`,
      "",
      ...table(
        ["chunk", "bytes", "largest packages"],
        bundle.lazy.slice(0, TOP_LAZY_CHUNKS).map((chunk) => [
          `\`${basename(chunk.path)}\``,
          chunk.bytes,
          packagesIn(bundle, chunk)
            .slice(0, 2)
            .map((p) => p.name)
            .join(", "),
        ]),
      ),
    );
    console.log(
      `${fn.name}: index.mjs ${bundle.bytes} bytes, start-up ${bundle.startupBytes} bytes ` +
        `(${bundle.startupGzipBytes} gzipped) in ${bundle.startup.length} files, ` +
        `lazy chunks ${bundle.lazyBytes} bytes in ${bundle.lazy.length} files`,
    );
  }
  lines.push(
    ...table(
      [
        "function",
        "entry",
        "index.mjs bytes",
        "start-up bytes",
        "start-up files",
        "start-up",
        "start-up gzipped",
        "lazy chunk bytes",
        "lazy chunks",
      ],
      sizes,
    ),
    "",
    "Minified bytes; gzip -9 file by file. Start-up: `index.mjs` and the chunks it imports statically. A cold " +
      "start reads and parses those only; a lazy chunk is read when the code " +
      "first imports it (the X-Ray tracer with `TRACING_ENABLED=true`, the Secrets Manager client when the " +
      "secret is given by ARN, the AWS SDK's credential providers it picks at run time).",
    ...breakdowns,
  );
  if (args.print) console.log(`--- bundle-size\n${lines.join("\n")}`);
  else writeResultsBlock("bundle-size", lines);
} finally {
  rmSync(outRoot, { recursive: true, force: true });
}
