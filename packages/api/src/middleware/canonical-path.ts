import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../env.ts";
import { RouteNotFoundError } from "../errors.ts";

/**
 * A path that a URL parser would rewrite into another one: an empty segment (`//`, `/a//b`), a dot segment
 * (`.`, `..`, and their percent-encoded spellings `%2e`, `.%2E`...), a backslash (WHATWG URLs read it as
 * `/`), or a control character or space (which URL parsers drop or reject). A single trailing slash is not
 * in it: `/health/` is `/health` by design (`strict: false`).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for.
const REWRITTEN = /\/\/|\/(?:\.|%2e){1,2}(?:\/|$)|[\\\x00-\x20\x7f]/i;

/**
 * Whether the front door and the app see the same path: it starts with `/` and contains nothing a URL
 * parser resolves or drops (see REWRITTEN).
 *
 * @example
 * isCanonicalPath("/health/"); // true
 * isCanonicalPath("/x/%2e%2e/"); // false: the URL parser makes it "/"
 */
export function isCanonicalPath(path: string): boolean {
  return path.startsWith("/") && !REWRITTEN.test(path);
}

type FrontDoorBindings = {
  /** hono/aws-lambda: the API Gateway (v2 `rawPath`, v1 `path`) or ALB (`path`) event. */
  event?: { rawPath?: unknown; path?: unknown };
  /** @hono/node-server (the sandbox): Node's request, whose `url` is the request target as received. */
  incoming?: { url?: unknown };
};

function untilQuery(target: string): string {
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/**
 * The request's path as the front door received it, before the `Request` URL resolved its dot segments:
 * the Lambda event's `rawPath` (HTTP API) or `path` (REST API, ALB), Node's request target in the sandbox,
 * else the path of the request URL (`app.request()` in tests, where the URL is all there is).
 */
export function receivedPath(c: AppContext): string {
  const env = c.env as FrontDoorBindings | undefined;
  const event = env?.event;
  if (typeof event?.rawPath === "string") return event.rawPath;
  if (typeof event?.path === "string") return event.path;
  const target = env?.incoming?.url;
  if (typeof target === "string") return untilQuery(target);
  const url = c.req.url;
  return untilQuery(url.slice(url.indexOf("/", url.indexOf("://") + 3)));
}

/**
 * Serves a path only in its canonical spelling; any other answers 404 `ROUTE_NOT_FOUND`.
 *
 * Why: `new Request(url)` resolves `/x/%2e%2e/`, `/health/..` and `/%2e` to `/`, and Hono reads `//` as `/`,
 * but API Gateway matches routes on the path it received. Such spellings miss the `GET /` route (and its
 * stricter throttle) and land on the default route, so the app would record visits past the throttle. Checked
 * once, for every route, on the path the front door saw.
 */
export function canonicalPaths() {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!isCanonicalPath(receivedPath(c))) throw new RouteNotFoundError(c.req.method);
    await next();
  });
}
