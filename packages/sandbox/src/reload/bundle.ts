import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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

/**
 * Bundles @meridian/functions' entry from the sources under `packagesDir` (only the workspace's own
 * packages: every other import stays an import of what the sandbox itself loaded, so Hono, the AWS SDK and
 * zod are not evaluated again) into one ES module, and imports it. esbuild's incremental context re-reads
 * only what changed. A fresh file per build: Node's module cache never hands back the previous code.
 * `realPackagesDir` is where node_modules are, for the imports of a copy of the sources (tests edit a copy).
 */
export async function appBuilder(
  packagesDir: string,
  outDir: string,
  realPackagesDir: string = PACKAGES_DIR,
): Promise<AppBuilder> {
  const esbuild = await import("esbuild");
  const context = await esbuild.context({
    entryPoints: [join(packagesDir, "functions", "src", "index.ts")],
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    metafile: true,
    logLevel: "silent",
    plugins: [workspaceOnly(resolve(packagesDir), resolve(realPackagesDir))],
  });
  mkdirSync(outDir, { recursive: true });
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
      const file = join(
        outDir,
        `app-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.mjs`,
      );
      writeFileSync(file, output.contents);
      try {
        const factories = (await import(pathToFileURL(file).href)) as AppFactories;
        const inputs = Object.keys(result.metafile.inputs).map((input) => resolve(input));
        return { factories, inputs };
      } finally {
        // Loaded: Node holds the module; the file is no longer needed.
        rmSync(file, { force: true });
      }
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

/**
 * `@meridian/<name>[/sub]` from `packagesDir` (its package.json `exports`); everything else external,
 * resolved as the real checkout would resolve it (nested node_modules included), by absolute path.
 */
function workspaceOnly(packagesDir: string, realPackagesDir: string): Plugin {
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
        if (args.pluginData?.real || args.path.startsWith("#") || /^[a-zA-Z]:[\\/]/.test(args.path))
          return undefined;
        if (args.path.startsWith("node:")) return { path: args.path, external: true };
        // The importer's directory in the real checkout: a copy has no node_modules of its own.
        const inside = resolve(args.resolveDir).startsWith(packagesDir + sep);
        const resolveDir = inside
          ? join(realPackagesDir, relative(packagesDir, args.resolveDir))
          : args.resolveDir;
        // An import with attributes (JSON, text) is bundled: Node would need the attribute kept.
        const external = !args.with?.type;
        const key = `${resolveDir}\0${args.kind}\0${args.path}`;
        const known = resolved.get(key);
        if (known) return { path: known, external };
        const found = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: existsSync(resolveDir) ? resolveDir : realPackagesDir,
          pluginData: { real: true },
        });
        if (found.errors.length > 0) return { errors: found.errors };
        resolved.set(key, found.path);
        return { path: found.path, external };
      });
    },
  };
}
