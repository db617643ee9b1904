import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../env.ts";

/** What an API response may load or be framed by: nothing. JSON needs neither scripts nor styles. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'";

/**
 * What the visit page needs: its own inline `<style>`, and nothing else. No
 * script runs, no image, font or connection is fetched (so injected CSS could not send anything anywhere),
 * no `<base>` or form can redirect, and no other site can frame them.
 */
export const PAGE_CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface SecurityHeadersOptions {
  /** `Content-Security-Policy` of every response that is not HTML. Default API_CONTENT_SECURITY_POLICY. */
  apiPolicy?: string;
  /** `Content-Security-Policy` of `text/html` responses. Default PAGE_CONTENT_SECURITY_POLICY. */
  pagePolicy?: string;
  /** `Referrer-Policy` of every response. Default `no-referrer`. */
  referrerPolicy?: string;
}

/** A request that carried credentials, or that a route authenticated: its answer is for that caller only. */
function authenticated(c: AppContext): boolean {
  return (
    c.req.header("authorization") !== undefined ||
    c.req.header("x-api-key") !== undefined ||
    c.get("apiKey") !== undefined ||
    c.get("user") !== undefined
  );
}

/**
 * A successful answer its route lets the caller's own browser keep a while (`Cache-Control: private, ...`, as
 * `GET /metrics` does: the dashboard polls it); `private` keeps it out of every shared cache.
 */
function privatelyCached(c: AppContext): boolean {
  return c.res.ok && (c.res.headers.get("cache-control")?.startsWith("private,") ?? false);
}

/**
 * Headers that keep browsers from misusing an answer, set on every response the app makes (errors and 404s
 * included): `X-Content-Type-Options: nosniff` (JSON is never sniffed into HTML), a `Content-Security-Policy`
 * (none at all for the API; the page's inline style only, for HTML; unless the route set its own), `Referrer-Policy`, and
 * `Cache-Control: no-store` on answers to authenticated requests, whatever the route set (unless it answered
 * `private, ...` successfully), so no cache keeps one caller's data.
 *
 * Why not `hono/secure-headers`: it fixes the CSP before the route runs (ours depends on the answer's content
 * type), has nothing for `Cache-Control`, and adds a dozen headers a JSON API does not need. In the `http`
 * bundle's start-up files this middleware is 694 bytes, `secureHeaders()` with a CSP 3,176 (bench/bundle-size.ts,
 * 2026-12-04); per request both cost a few microseconds.
 *
 * @example
 * app.use(securityHeaders());
 */
export function securityHeaders(options: SecurityHeadersOptions = {}) {
  const apiPolicy = options.apiPolicy ?? API_CONTENT_SECURITY_POLICY;
  const pagePolicy = options.pagePolicy ?? PAGE_CONTENT_SECURITY_POLICY;
  const referrerPolicy = options.referrerPolicy ?? "no-referrer";
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", referrerPolicy);
    const html = headers.get("content-type")?.toLowerCase().startsWith("text/html") ?? false;
    // A route that needs another policy sets its own (`/docs`: DOCS_CONTENT_SECURITY_POLICY, its renderer's
    // scripts from this origin); every other answer gets the one for its type.
    if (!headers.has("Content-Security-Policy")) {
      headers.set("Content-Security-Policy", html ? pagePolicy : apiPolicy);
    }
    if (authenticated(c) && !privatelyCached(c)) headers.set("Cache-Control", "no-store");
  });
}
