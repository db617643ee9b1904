import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { serveStatic } from "@hono/node-server/serve-static";
import { errorBody } from "@meridian/api";
import { DASHBOARD_BASE, type DashboardConfig } from "@meridian/core";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";

/** packages/web's build output, where `npm run build:web` (or the sandbox's watcher) writes it. */
export const DEFAULT_DASHBOARD_DIR = fileURLToPath(new URL("../../../web/dist", import.meta.url));
export const RELOAD_PATH = "/_sandbox/reload";

/** Tells open dashboards (their `EventSource` on RELOAD_PATH) to reload after a rebuild. */
export class ReloadHub {
  readonly #listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  reload(): void {
    for (const listener of this.#listeners) listener();
  }

  get size(): number {
    return this.#listeners.size;
  }
}

export interface DashboardRoutesOptions {
  /** The built dashboard (index.html, assets/). */
  dir: string;
  /** The sandbox's own origin (`http://127.0.0.1:<port>`): the page is served there only (see below). */
  origin: string;
  config: DashboardConfig;
  /** Headers of every page and asset (the CSP, framing, sniffing, referrer). */
  headers: Record<string, string>;
  /** Set while the build is being made (development): the page answers 503 and retries itself. */
  building?: () => boolean;
  reload?: ReloadHub;
}

const BUILDING_PAGE = `<!doctype html><html lang="en"><meta charset="utf-8"><meta http-equiv="refresh" content="1"><title>Meridian</title><p>The dashboard is being built; this page reloads itself.</p></html>`;
const NOT_BUILT = (dir: string) =>
  `<!doctype html><html lang="en"><meta charset="utf-8"><title>Meridian</title><h1>The dashboard is not built</h1><p>Nothing in ${dir.replace(/[&<>"]/g, "")}: run <code>npm run build:web</code>, or <code>npm start</code>, which builds it and rebuilds on change.</p></html>`;

/**
 * The dashboard at `/app/`, as CloudFront serves it in AWS: `/app` → `/app/`; a file of the build as it
 * is (hashed assets cached for a year, `index.html` and `config.json` never); any other path without a
 * file extension is the single-page app's own route (`/app/orders`) and gets `index.html`; a missing asset
 * is a 404. `config.json` is the sandbox's (API, issuer, images), not a file. In development,
 * `/_sandbox/reload` streams a `reload` event after each rebuild.
 *
 * The page is served on 127.0.0.1 only: on `localhost:<port>` it would be another origin than the issuer's
 * redirect URIs and the API's, so that name is redirected to the one the sandbox signs in on.
 */
export function dashboardRoutes(options: DashboardRoutesOptions): Hono {
  const app = new Hono();
  const base = DASHBOARD_BASE.slice(0, -1);
  const own = new URL(options.origin).host;
  app.use(`${base}/*`, async (c, next) => {
    if (c.req.header("host") !== own) return c.redirect(`${options.origin}${c.req.path}`, 308);
    await next();
    for (const [name, value] of Object.entries(options.headers)) c.res.headers.set(name, value);
  });
  app.get(base, (c) => c.redirect(DASHBOARD_BASE, 301));
  app.get(`${base}/config.json`, (c) => {
    c.header("cache-control", "no-cache");
    return c.json(options.config);
  });
  const assets = join(options.dir, "assets");
  const index = serveStatic({ path: join(options.dir, "index.html") });
  const file = serveStatic({
    root: options.dir,
    rewriteRequestPath: (path) => path.slice(base.length),
    onFound: (path, c) => {
      c.header("cache-control", path.includes(assets) ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
  app.get(`${base}/*`, async (c, next) => {
    if (options.building?.()) {
      c.header("retry-after", "1");
      return c.html(BUILDING_PAGE, 503);
    }
    if (!existsSync(join(options.dir, "index.html"))) return c.html(NOT_BUILT(options.dir), 503);
    return file(c, next);
  });
  app.get(`${base}/*`, async (c, next) => {
    const last = c.req.path.slice(c.req.path.lastIndexOf("/") + 1);
    if (last.includes(".")) return next();
    c.header("cache-control", "no-cache");
    return index(c, next);
  });
  // The API's error body, with the id the sandbox's routes give every answer.
  app.get(`${base}/*`, (c) =>
    c.json(
      errorBody(c.res.headers.get("x-request-id") ?? randomUUID(), {
        code: "NOT_FOUND",
        message: "No such file in the dashboard",
      }),
      404,
    ),
  );

  const hub = options.reload;
  if (hub) {
    app.get(RELOAD_PATH, (c) =>
      streamSSE(c, async (stream) => {
        let wake: () => void = () => {};
        const unsubscribe = hub.subscribe(() => {
          void stream.writeSSE({ event: "reload", data: "rebuilt" });
        });
        stream.onAbort(() => {
          unsubscribe();
          wake();
        });
        // A comment every 25 s keeps proxies from closing an idle stream.
        while (!stream.aborted) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 25_000).unref();
          });
          if (!stream.aborted) await stream.write(": keep-alive\n\n");
        }
      }),
    );
  }
  return app;
}
