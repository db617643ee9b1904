import { readFileSync, statSync } from "node:fs";
import { dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { buildLambda, functionEntry, LAMBDA_FUNCTIONS } from "@meridian/infra/bundling";
import type { Metafile, Plugin } from "esbuild";

/** The repository root, whatever the working directory. */
export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** The functions the CDK app deploys (`LAMBDA_FUNCTIONS`), with their entries relative to the repository. */
export const lambdaFunctions: readonly LambdaFunction[] = LAMBDA_FUNCTIONS.map((name) => ({
  name,
  entry: relative(repoRoot, functionEntry(name)),
}));

export interface LambdaFunction {
  name: string;
  /** Entry file, relative to the repository root. */
  entry: string;
}

export interface BundleFile {
  /** Absolute path. */
  path: string;
  bytes: number;
  /** `gzip -9` of this file alone (the deployment zip compresses file by file too). */
  gzipBytes: number;
}

/**
 * One function bundled as it is deployed: `index.mjs`, which Lambda loads, plus chunks (code splitting).
 * `bytes`/`gzipBytes` are `index.mjs` alone; before code splitting that file was the whole bundle, so compare
 * older numbers with `startupBytes`, what a cold start reads and parses.
 */
export interface LambdaBundle {
  /** Absolute path of the bundled `index.mjs`. */
  outfile: string;
  /** The folder holding `index.mjs`, `chunks/` and the source maps. */
  outdir: string;
  /** `index.mjs` alone. */
  bytes: number;
  gzipBytes: number;
  /** Every chunk, the ones loaded at start-up and the lazy ones together. */
  chunkBytes: number;
  chunkGzipBytes: number;
  /** `index.mjs` and the chunks it imports statically, transitively: what a cold start loads. */
  startupBytes: number;
  startupGzipBytes: number;
  /** Chunks loaded only through `import()` (the tracer, Secrets Manager, rare credential providers). */
  lazyBytes: number;
  lazyGzipBytes: number;
  /** The start-up files, `index.mjs` first. */
  startup: BundleFile[];
  /** The lazily loaded chunks, largest first. */
  lazy: BundleFile[];
  metafile: Metafile;
}

function measure(path: string): BundleFile {
  return { path, bytes: statSync(path).size, gzipBytes: gzipSync(readFileSync(path), { level: 9 }).length };
}

const sum = (files: BundleFile[], pick: (file: BundleFile) => number) =>
  files.reduce((total, file) => total + pick(file), 0);

/**
 * Bundles one entry (absolute or repository-relative) into `<outDir>/index.mjs` and `<outDir>/chunks/` with the
 * options `MeridianFunction` deploys (`@meridian/infra/bundling`). `plugins` are for experiments only (e.g.
 * `stubModule`); what is deployed uses none.
 */
export async function bundleLambda(
  entry: string,
  outDir: string,
  plugins: Plugin[] = [],
): Promise<LambdaBundle> {
  const { entryFile, metafile, files } = await buildLambda({
    entry,
    outdir: outDir,
    workingDir: repoRoot,
    plugins,
  });
  const startup = files.startup.map(measure);
  const lazy = files.lazy.map(measure).sort((a, b) => b.bytes - a.bytes);
  const [index] = startup;
  if (!index || index.path !== entryFile) throw new Error(`the build of ${entry} has no ${entryFile}`);
  const chunks = [...startup.slice(1), ...lazy];
  return {
    outfile: entryFile,
    outdir: dirname(entryFile),
    bytes: index.bytes,
    gzipBytes: index.gzipBytes,
    chunkBytes: sum(chunks, (f) => f.bytes),
    chunkGzipBytes: sum(chunks, (f) => f.gzipBytes),
    startupBytes: sum(startup, (f) => f.bytes),
    startupGzipBytes: sum(startup, (f) => f.gzipBytes),
    lazyBytes: sum(lazy, (f) => f.bytes),
    lazyGzipBytes: sum(lazy, (f) => f.gzipBytes),
    startup,
    lazy,
    metafile,
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

/** Bytes each package contributes to one output file of the bundle, largest first. */
export function packagesIn(bundle: LambdaBundle, file: BundleFile): ModuleShare[] {
  return sharesOf(inputsOf(bundle, file));
}

/**
 * Bytes each package contributes to what a cold start loads (`index.mjs` and its static chunks), largest
 * first. The lazily loaded chunks are left out; see `bundle.lazy` and `packagesIn`.
 */
export function bytesByPackage(bundle: LambdaBundle): ModuleShare[] {
  return sharesOf(bundle.startup.flatMap((file) => inputsOf(bundle, file)));
}

/** Bytes in the start-up files from inputs whose path matches, e.g. zod's translated error messages. */
export function bytesMatching(bundle: LambdaBundle, pattern: RegExp): { files: number; bytes: number } {
  const inputs = bundle.startup
    .flatMap((file) => inputsOf(bundle, file))
    .filter(([path]) => pattern.test(path));
  return {
    files: new Set(inputs.map(([path]) => path)).size,
    bytes: inputs.reduce((total, [, bytes]) => total + bytes, 0),
  };
}

/** (input path, bytes in this output) pairs of one output file, from the metafile. */
function inputsOf(bundle: LambdaBundle, file: BundleFile): Array<[string, number]> {
  const key = relative(repoRoot, file.path);
  const output = bundle.metafile.outputs[key];
  if (!output) throw new Error(`metafile has no output ${key}`);
  return Object.entries(output.inputs).map(([path, input]) => [path, input.bytesInOutput]);
}

function sharesOf(inputs: Array<[string, number]>): ModuleShare[] {
  const totals = new Map<string, number>();
  for (const [path, bytes] of inputs) totals.set(packageOf(path), (totals.get(packageOf(path)) ?? 0) + bytes);
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
