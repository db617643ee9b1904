/**
 * Bundle size of every Lambda function, built exactly as it is deployed (see bench/lib/bundle.ts).
 * Writes its results block into docs/performance.md.
 *
 *   npx tsx bench/bundle-size.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bundleLambda, bytesByPackage, bytesMatching, kib, lambdaFunctions } from "./lib/bundle.ts";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const TOP_PACKAGES = 12;

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
      kib(bundle.bytes),
      bundle.gzipBytes,
      kib(bundle.gzipBytes),
    ]);
    const packages = bytesByPackage(bundle);
    const locales = bytesMatching(bundle, /node_modules\/zod\/v4\/locales\//);
    breakdowns.push(
      "",
      `Largest packages in \`${fn.name}\` (bytes in the minified output, from esbuild's metafile):`,
      "",
      ...table(
        ["package", "bytes", "share"],
        packages
          .slice(0, TOP_PACKAGES)
          .map((p) => [p.name, p.bytes, `${((100 * p.bytes) / bundle.bytes).toFixed(1)} %`]),
      ),
      "",
      `Of zod's bytes, its translated error messages (\`zod/v4/locales\`, ${locales.files} files) take ` +
        `${locales.bytes} bytes (${((100 * locales.bytes) / bundle.bytes).toFixed(1)} % of the bundle).`,
    );
    console.log(`${fn.name}: ${bundle.bytes} bytes minified, ${bundle.gzipBytes} bytes gzipped`);
  }
  lines.push(
    ...table(["function", "entry", "minified bytes", "minified", "gzip -9 bytes", "gzipped"], sizes),
    ...breakdowns,
  );
  writeResultsBlock("bundle-size", lines);
} finally {
  rmSync(outRoot, { recursive: true, force: true });
}
