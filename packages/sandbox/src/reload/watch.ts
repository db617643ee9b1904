import { existsSync, type FSWatcher, watch } from "node:fs";
import { join, relative } from "node:path";
import { AppBuildError, type AppBuilder, type AppFactories, appBuilder, PACKAGES_DIR } from "./bundle.ts";

/** The packages the app and the functions' handlers are built from (packages/web has its own watcher). */
export const APP_PACKAGES = ["core", "adapters", "api", "functions"] as const;

export type ReloadEvent =
  | { kind: "reloaded"; file: string; ms: number }
  | { kind: "failed"; file: string; ms: number; errors: string[] };

export interface AppWatchOptions {
  /** The directory holding the packages' sources. Default this checkout's packages/. */
  packagesDir?: string;
  /** Where node_modules resolve from (a copy of the sources has none). Default this checkout's packages/. */
  realPackagesDir?: string;
  /** Hands the freshly built factories over; the sandbox swaps its app and handlers. */
  swap: (factories: AppFactories) => void;
  onEvent: (event: ReloadEvent) => void;
  /** Wait for more saves before building (an editor writes a file in several steps). Default 20 ms. */
  debounceMs?: number;
}

export interface AppWatcher {
  close(): Promise<void>;
  /** Settles once no build is pending (tests). */
  idle(): Promise<void>;
}

/**
 * Watches packages/{core,adapters,api,functions}/src and, after a change, builds the app again and swaps it
 * in. An edit that does not build (syntax, an unresolved import) is reported and changes nothing: the last
 * good app keeps serving. Type errors are not checked here (run `npm run typecheck`): esbuild strips types.
 */
export async function watchApp(options: AppWatchOptions): Promise<AppWatcher> {
  const packagesDir = options.packagesDir ?? PACKAGES_DIR;
  let builder: AppBuilder | undefined;
  let timer: NodeJS.Timeout | undefined;
  let changed: string | undefined;
  let savedAt = 0;
  let running: Promise<void> = Promise.resolve();
  let closed = false;

  const reload = async (file: string, since: number) => {
    await warming;
    builder ??= await appBuilder(packagesDir, options.realPackagesDir);
    try {
      const built = await builder.build();
      if (closed) return;
      options.swap(built.factories);
      options.onEvent({ kind: "reloaded", file, ms: Math.round(performance.now() - since) });
    } catch (error) {
      if (!(error instanceof AppBuildError)) throw error;
      options.onEvent({
        kind: "failed",
        file,
        ms: Math.round(performance.now() - since),
        errors: error.lines,
      });
    }
  };
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      // One build at a time; a save during a build builds once more after it.
      running = running.then(async () => {
        if (closed) return;
        const file = changed ?? "";
        const since = savedAt;
        changed = undefined;
        await reload(file, since).catch((error: unknown) =>
          options.onEvent({
            kind: "failed",
            file,
            ms: Math.round(performance.now() - since),
            errors: [error instanceof Error ? error.message : String(error)],
          }),
        );
      });
    }, options.debounceMs ?? 20);
  };

  // esbuild reads the sources in the background now: the first reload is as quick as the next ones.
  const warming = appBuilder(packagesDir, options.realPackagesDir).then(async (made) => {
    builder = made;
    await made.warm();
  });
  warming.catch(() => undefined);
  const watchers: FSWatcher[] = [];
  for (const name of APP_PACKAGES) {
    const src = join(packagesDir, name, "src");
    if (!existsSync(src)) continue;
    const watcher = watch(src, { recursive: true }, (_event, filename) => {
      if (!filename || !/\.(ts|mts|json)$/.test(filename) || /\.test\.ts$/.test(filename)) return;
      // The first save of a burst counts: the time is from it to the new code serving.
      if (changed === undefined) savedAt = performance.now();
      changed = join("packages", relative(packagesDir, join(src, filename.toString())));
      schedule();
    });
    watcher.on("error", () => undefined);
    watchers.push(watcher);
  }
  return {
    idle: () => running,
    close: async () => {
      closed = true;
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
      await running;
      await warming.catch(() => undefined);
      await builder?.dispose();
    },
  };
}
