import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from "@meridian/core";
import { cors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../env.ts";
import { isCanonicalPath, receivedPath } from "./canonical-path.ts";

export interface CorsHeadersOptions {
  /**
   * Browser origins whose pages may call the API (`https://d123.cloudfront.net`; a trailing slash is
   * ignored; `*` allows every origin). Empty or unset: no CORS headers at all.
   */
  origins?: readonly string[];
}

/** A CORS preflight: `OPTIONS` that names the method the page wants to send. */
function isPreflight(c: AppContext): boolean {
  return c.req.method === "OPTIONS" && c.req.header("access-control-request-method") !== undefined;
}

/**
 * CORS answered by the app, for the front doors that answer none themselves (REST API, ALB): hono/cors with
 * the methods, headers and max-age that the HTTP API's own CORS has (core's CORS_*), and no credentials
 * (the dashboard sends bearer tokens, not cookies).
 *
 * Only a request from an allowed origin reaches hono/cors: it answers that origin's preflight 204 before any
 * route, authentication or validation runs, and adds `Access-Control-Allow-Origin`, `-Expose-Headers` and
 * `Vary: Origin` to every other answer, errors included (it sits outside the timeout and the error mapping,
 * so 401, 404, 405 and 503 carry them and the page can read the error). Anything else passes by untouched
 * but for `Vary: Origin` (an answer differs by origin, so no cache may hand one origin's to another): a
 * request without `Origin` or from another origin gets no CORS header, nor does an `OPTIONS` that is not a
 * preflight (it stays the app's 405), nor a preflight on a path canonicalPaths refuses (it stays a 404).
 *
 * @example
 * app.use(corsHeaders({ origins: ["https://d123.cloudfront.net"] }));
 */
export function corsHeaders(options: CorsHeadersOptions = {}) {
  const origins = new Set((options.origins ?? []).map((origin) => origin.replace(/\/$/, "")));
  if (origins.size === 0) return createMiddleware<AppEnv>((_c, next) => next());
  const anyOrigin = origins.has("*");
  const allowed = (origin: string | undefined): origin is string =>
    origin !== undefined && (anyOrigin || origins.has(origin));
  const answer = cors({
    // Only allowed origins get here (below), so the answer names the caller's own origin.
    origin: (origin) => origin,
    allowMethods: [...CORS_ALLOW_METHODS],
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
    credentials: false,
  });
  return createMiddleware<AppEnv>(async (c, next) => {
    const preflight = isPreflight(c);
    const handled =
      allowed(c.req.header("origin")) &&
      (preflight ? isCanonicalPath(receivedPath(c)) : c.req.method !== "OPTIONS");
    if (handled) return answer(c, next);
    await next();
    c.header("Vary", "Origin", { append: true });
  });
}
