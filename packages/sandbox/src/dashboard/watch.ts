import { fileURLToPath } from "node:url";

/** packages/web, the dashboard's sources. */
export const WEB_PACKAGE_DIR = fileURLToPath(new URL("../../../web", import.meta.url));

export interface DashboardWatcher {
  /** True until the first build has finished, and while a rebuild runs. */
  building(): boolean;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** The dashboard's sources (index.html, vite.config.ts, src/). Default packages/web. */
  root?: string;
  /** Where the build goes. Default the config's (`dist` under `root`). */
  outDir?: string;
  /** After each build that succeeded (the first included). */
  onBuilt: (ms: number) => void;
  onError: (error: unknown) => void;
}

/**
 * Builds the dashboard with Vite and rebuilds it when a source changes (`vite build --watch`, in this
 * process), for `npm start`: the page reloads itself after each rebuild (see ReloadHub). Vite is loaded
 * here only, so a sandbox started by tests or without the dashboard never loads it.
 */
export async function watchDashboard(options: WatchOptions): Promise<DashboardWatcher> {
  const vite = await import("vite");
  let building = true;
  let started = performance.now();
  const root = options.root ?? WEB_PACKAGE_DIR;
  const watcher = (await vite.build({
    root,
    configFile: `${root}/vite.config.ts`,
    logLevel: "warn",
    clearScreen: false,
    build: { watch: {}, ...(options.outDir ? { outDir: options.outDir, emptyOutDir: true } : {}) },
  })) as unknown as {
    on(
      event: "event",
      listener: (event: { code: string; error?: unknown; result?: { close(): void } }) => void,
    ): void;
    close(): Promise<void>;
  };
  watcher.on("event", (event) => {
    if (event.code === "BUNDLE_START") {
      building = true;
      started = performance.now();
    } else if (event.code === "BUNDLE_END") {
      building = false;
      event.result?.close();
      options.onBuilt(Math.round(performance.now() - started));
    } else if (event.code === "ERROR") {
      building = false;
      event.result?.close();
      options.onError(event.error);
    }
  });
  return { building: () => building, close: () => watcher.close() };
}
