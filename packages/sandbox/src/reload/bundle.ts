import { existsSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compileFunction } from "node:vm";
import type * as functions from "@meridian/functions";
import type { Plugin } from "esbuild";

/** What the sandbox builds its app and its functions' handlers from; a reload swaps a fresh set in. */
export type AppFactories = Pick<
  typeof functions,
  "createMeridianApp" | "createOrderStreamHandler" | "createImageProcessorHandler" | "createMetricsJobHandler"
>;

/** This checkout's packages/ (core, adapters, api, functions… and their node_modules). */
export const PACKAGES_DIR = fileURLToPath(new URL("../../../", import.meta.url));

/** An edit that does not build: each message as `packages/api/src/app.ts:12:7: text`. */
export class AppBuildError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join("\n"));
    this.name = "AppBuildError";
  }
}

export interface BuiltApp {
  factories: AppFactories;
  /** The source files the app was built from (absolute). */
  inputs: string[];
}

export interface AppBuilder {
  /** Builds the app from the sources as they are now; throws AppBuildError for an edit that does not build. */
  build(): Promise<BuiltApp>;
  /** Reads and parses the sources once, so the first reload costs what the later ones do. */
  warm(): Promise<void>;
  dispose(): Promise<void>;
}

/** The parameters the bundle is evaluated with (see `appBuilder`). */
const HOST = "__meridianHost";
const META_URL = "__meridianImportMetaUrl";

/**
 * Bundles @meridian/functions' entry from the sources under `packagesDir` with esbuild (an incremental
 * context: a rebuild re-reads only what changed) and evaluates it as a function, outside any module loader.
 * Only the workspace's own packages are in the bundle: every other import (Hono, the AWS SDK, zod, Node's
 * own modules) becomes a small module of the bundle that reads the exports of the one the sandbox itself
 * imported, so the new code shares those modules and nothing is evaluated twice. Not importing the bundle
 * spares tsx's loader transforming it (and a resolve through the loader thread per import): most of a
 * reload's time otherwise. `realPackagesDir` is where node_modules are, for a copy of the sources (tests).
 */
export async function appBuilder(
  packagesDir: string,
  realPackagesDir: string = PACKAGES_DIR,
): Promise<AppBuilder> {
  const esbuild = await import("esbuild");
  const hosted = new Map<string, Record<string, unknown>>();
  const entry = join(packagesDir, "functions", "src", "index.ts");
  const context = await esbuild.context({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "cjs",
    platform: "node",
    target: "node20",
    metafile: true,
    logLevel: "silent",
    // One URL for every bundled file's `import.meta.url`: only used to resolve installed packages from.
    define: { "import.meta.url": META_URL },
    plugins: [workspaceOnly(resolve(packagesDir), resolve(realPackagesDir), hosted)],
  });
  const metaUrl = pathToFileURL(join(realPackagesDir, "functions", "src", "index.ts")).href;
  const host = (id: string) => hosted.get(id);
  let builds = 0;
  return {
    dispose: () => context.dispose(),
    warm: async () => {
      await context.rebuild().catch(() => undefined);
    },
    async build() {
      const result = await context.rebuild().catch((error: unknown) => {
        const errors = (error as { errors?: import("esbuild").Message[] }).errors;
        if (!errors) throw error;
        throw new AppBuildError(errors.map((message) => describe(message, packagesDir)));
      });
      const output = result.outputFiles?.[0];
      if (!output || !result.metafile) throw new Error("esbuild wrote no bundle");
      const module = { exports: {} as Record<string, unknown> };
      const run = compileFunction(output.text, ["module", "exports", HOST, META_URL], {
        // Where stack traces point: the entry, numbered by build.
        filename: `${entry}?reload=${++builds}`,
      });
      run(module, module.exports, host, metaUrl);
      const inputs = Object.keys(result.metafile.inputs)
        .filter((input) => !input.startsWith("host:"))
        .map((input) => resolve(input));
      return { factories: module.exports as unknown as AppFactories, inputs };
    },
  };
}

/** `packages/api/src/app.ts:12:7: Expected ";" but found "x"` */
function describe(message: import("esbuild").Message, packagesDir: string): string {
  const where = message.location;
  if (!where) return message.text;
  const file = join("packages", relative(packagesDir, resolve(where.file)));
  return `${file}:${where.line}:${where.column + 1}: ${message.text}`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * `@meridian/<name>[/sub]` from `packagesDir` (its package.json `exports`). Every other import resolves as
 * the real checkout would resolve it (nested node_modules included) and becomes a module in the `host`
 * namespace: the exports of that module as the sandbox imports it, read through `__meridianHost(id)`.
 */
function workspaceOnly(
  packagesDir: string,
  realPackagesDir: string,
  hosted: Map<string, Record<string, unknown>>,
): Plugin {
  return {
    name: "meridian-workspace-only",
    setup(build) {
      build.onResolve({ filter: /^@meridian\// }, (args) => {
        const [, name, sub] = args.path.match(/^@meridian\/([^/]+)(\/.*)?$/) ?? [];
        if (!name) return undefined;
        const root = join(packagesDir, name);
        const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
          exports?: Record<string, string>;
        };
        const target = manifest.exports?.[sub ? `.${sub}` : "."];
        if (typeof target !== "string")
          return { errors: [{ text: `@meridian/${name} exports no ${sub ? `.${sub}` : "."}` }] };
        return { path: join(root, target) };
      });
      // Resolved once per importer directory and specifier: esbuild asks again on every rebuild.
      const resolved = new Map<string, string>();
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.real || args.path.startsWith("#") || args.namespace === "host") return undefined;
        const builtin = args.path.startsWith("node:") || isBuiltin(args.path);
        if (builtin)
          return { path: args.path.startsWith("node:") ? args.path : `node:${args.path}`, namespace: "host" };
        // The importer's directory in the real checkout: a copy has no node_modules of its own.
        const inside = resolve(args.resolveDir).startsWith(packagesDir + sep);
        const resolveDir = inside
          ? join(realPackagesDir, relative(packagesDir, args.resolveDir))
          : args.resolveDir;
        const key = `${resolveDir}\0${args.kind}\0${args.path}`;
        // An import with attributes (JSON, text) is bundled as it is.
        const namespace = args.with?.type ? "file" : "host";
        const known = resolved.get(key);
        if (known) return { path: known, namespace };
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: existsSync(resolveDir) ? resolveDir : realPackagesDir,
          pluginData: { real: true },
        });
        if (found.errors.length > 0) return { errors: found.errors };
        resolved.set(key, found.path);
        return { path: found.path, namespace };
      });
      build.onLoad({ filter: /.*/, namespace: "host" }, async (args) => {
        let exports = hosted.get(args.path);
        if (!exports) {
          // The same URL the sandbox's own import has: Node hands back the module it already evaluated.
          const url = args.path.startsWith("node:") ? args.path : pathToFileURL(args.path).href;
          exports = (await import(url)) as Record<string, unknown>;
          hosted.set(args.path, exports);
        }
        const names = Object.keys(exports).filter((name) => name !== "default");
        const id = JSON.stringify(args.path);
        // `export { e3 as enum }`: an export name may be a reserved word (zod's `enum`), a binding may not.
        const locals = names.map((name, index) => `e${index} = m[${JSON.stringify(name)}]`);
        const exported = names.map(
          (name, index) => `e${index} as ${IDENTIFIER.test(name) ? name : JSON.stringify(name)}`,
        );
        return {
          loader: "js",
          contents:
            `const m = ${HOST}(${id});\nexport default m.default;\n` +
            (names.length ? `const ${locals.join(", ")};\nexport { ${exported.join(", ")} };\n` : ""),
        };
      });
    },
  };
}

function isBuiltin(name: string): boolean {
  return builtinModules.includes(name);
}
