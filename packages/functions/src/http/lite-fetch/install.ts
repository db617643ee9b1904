import { runInThisContext } from "node:vm";
import { LiteHeaders } from "./headers.ts";
import { LiteRequest } from "./request.ts";
import { LiteResponse } from "./response.ts";

/**
 * Makes the global names `Headers`, `Request` and `Response` mean the lite classes, so Hono and
 * `hono/aws-lambda` run without loading Node's bundled undici, whose load is a large part of a cold start
 * (measured in docs/decisions/0007-lite-fetch-in-the-http-function.md). `fetch`, `FormData`, `Blob` and the
 * rest are left alone.
 *
 * How, and why not by replacing `globalThis.Headers`: the lite classes fall back to the runtime's own
 * classes for what they do not support, so those must stay reachable without being loaded up front.
 * On Node 20 the global property is an accessor that loads undici when read; on Node 22+ it is a lazy
 * data property that loads undici when read, when its descriptor is
 * read, and when `Object.defineProperty` redefines it; only `delete` avoids the load, and then the
 * original can never be loaded again. So the global object's properties are not touched at all:
 * script-scope `let` bindings of the three names shadow them for every identifier lookup (ES global
 * environment: declarative record before object record), while `globalThis.Response` and friends stay
 * the runtime's lazy originals that the fallbacks read on first need.
 *
 * Consequences: code that names `Response` gets the lite class; code that reads `globalThis.Response`
 * explicitly gets undici's (correct, just not light), and a lite instance is not `instanceof` that one.
 * The bindings live as long as the process (per realm); calling this again, or from a second copy of
 * this module, only re-points them.
 *
 * @example
 * import { installLiteFetch } from "./http/lite-fetch/install.ts";
 * installLiteFetch(); // before the first request; importing Hono before or after does not matter
 * export const handler = handle(app);
 */
export function installLiteFetch(): void {
  bindings()({ Headers: LiteHeaders, Request: LiteRequest, Response: LiteResponse });
}

/**
 * Points the three names back at the runtime's own classes (which loads undici). For tests that compare
 * with and without; a process that installed lite fetch normally keeps it.
 */
export function uninstallLiteFetch(): void {
  if (!(BINDINGS in globalThis)) return;
  bindings()({ Headers: globalThis.Headers, Request: globalThis.Request, Response: globalThis.Response });
}

interface FetchClasses {
  Headers: unknown;
  Request: unknown;
  Response: unknown;
}

/** Shared by every copy of this module in the realm: a second `let` of the same names would throw. */
const BINDINGS = Symbol.for("meridian.lite-fetch.bindings");

function bindings(): (classes: FetchClasses) => void {
  const realm = globalThis as { [BINDINGS]?: (classes: FetchClasses) => void };
  // Declared and assigned in one synchronous step: no code can observe the names unset in between.
  realm[BINDINGS] ??= runInThisContext(
    "let Headers, Request, Response; (classes) => { ({ Headers, Request, Response } = classes); }",
    { filename: "lite-fetch/install.ts" },
  ) as (classes: FetchClasses) => void;
  return realm[BINDINGS];
}
