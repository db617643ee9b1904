import { readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { type BuildOptions, build, type Metafile, type Plugin } from "esbuild";

/** The repository root, whatever the working directory. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Lambda functions to measure; add a line when a new entry point lands in packages/functions. */
export const lambdaFunctions: readonly LambdaFunction[] = [
  { name: "http", entry: "packages/functions/src/http/handler.ts" },
  { name: "order-stream", entry: "packages/functions/src/order-stream/handler.ts" },
  { name: "metrics-job", entry: "packages/functions/src/metrics-job/handler.ts" },
];

export interface LambdaFunction {
  name: string;
  /** Entry file, relative to the repository root. */
  entry: string;
}

/**
 * ESM bundles need `require` for the few CommonJS dependencies that call it on Node built-ins; Lambda's
 * Node runtime has no global `require` in an `.mjs` module.
 */
export const ESM_REQUIRE_BANNER =
  'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);';

/**
 * The options Lambda's bundle is built with: one ESM file for Node 22 with everything in it, the AWS SDK
 * included (the SDK preinstalled in the runtime is not used, so the version is the one we tested).
 * `mainFields` prefers the packages' ES module builds, as CDK's NodejsFunction does for `format: esm`.
 */
export const lambdaBuildOptions = {
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  minify: true,
  sourcemap: "external",
  mainFields: ["module", "main"],
  banner: { js: ESM_REQUIRE_BANNER },
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
} as const satisfies BuildOptions;

export interface LambdaBundle {
  /** Absolute path of the bundled `index.mjs`. */
  outfile: string;
  bytes: number;
  gzipBytes: number;
  metafile: Metafile;
}

/**
 * Bundles one entry (absolute or repository-relative) into `<outDir>/index.mjs` the way Lambda gets it.
 * `plugins` are for experiments only (e.g. `stubModule`); what is deployed uses none.
 */
export async function bundleLambda(
  entry: string,
  outDir: string,
  plugins: Plugin[] = [],
): Promise<LambdaBundle> {
  const outfile = join(outDir, "index.mjs");
  const result = await build({
    ...lambdaBuildOptions,
    absWorkingDir: repoRoot,
    entryPoints: [entry],
    outfile,
    plugins,
  });
  const code = readFileSync(outfile);
  return {
    outfile,
    bytes: statSync(outfile).size,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    metafile: result.metafile,
  };
}

/**
 * An esbuild plugin that replaces a module with `contents`, to measure what the module costs by building
 * without it. `specifier` matches the import as written (`./xray.ts`), `importer` the importing file.
 */
export function stubModule(specifier: RegExp, importer: RegExp, contents: string): Plugin {
  return {
    name: "stub-module",
    setup(builder) {
      builder.onResolve({ filter: specifier }, (args) =>
        importer.test(args.importer) ? { path: args.path, namespace: "stub-module" } : undefined,
      );
      builder.onLoad({ filter: /.*/, namespace: "stub-module" }, () => ({ contents, loader: "js" }));
    },
  };
}

export interface ModuleShare {
  /** npm package (`@aws-sdk/client-dynamodb`) or workspace folder (`packages/api`). */
  name: string;
  bytes: number;
}

/** Which package an input path of the metafile belongs to. */
export function packageOf(inputPath: string): string {
  const parts = inputPath.split("/");
  const at = parts.lastIndexOf("node_modules");
  if (at >= 0) {
    const scope = parts[at + 1] ?? "?";
    return scope.startsWith("@") ? `${scope}/${parts[at + 2] ?? "?"}` : scope;
  }
  const workspace = parts.lastIndexOf("packages");
  if (workspace >= 0 && parts[workspace + 1]) return `packages/${parts[workspace + 1]}`;
  const bench = parts.lastIndexOf("bench");
  if (bench >= 0) return parts.slice(bench, -1).join("/");
  return dirname(inputPath);
}

/** Bytes each package contributes to the minified output, largest first. */
export function bytesByPackage(bundle: LambdaBundle): ModuleShare[] {
  const key = relative(repoRoot, bundle.outfile);
  const output = bundle.metafile.outputs[key];
  if (!output) throw new Error(`metafile has no output ${key}`);
  const totals = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
    totals.set(packageOf(path), (totals.get(packageOf(path)) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

/** Bytes in the output from inputs whose path matches, e.g. zod's translated error messages. */
export function bytesMatching(bundle: LambdaBundle, pattern: RegExp): { files: number; bytes: number } {
  const output = bundle.metafile.outputs[relative(repoRoot, bundle.outfile)];
  const inputs = Object.entries(output?.inputs ?? {}).filter(([path]) => pattern.test(path));
  return { files: inputs.length, bytes: inputs.reduce((sum, [, input]) => sum + input.bytesInOutput, 0) };
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
