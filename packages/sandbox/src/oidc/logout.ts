import type { Context } from "hono";
import type { OidcConfig } from "./options.ts";
import { errorPage, pageHeaders } from "./pages.ts";
import { repeated } from "./params.ts";

/**
 * `GET /logout?client_id=…&logout_uri=…`, Cognito's sign-out: `logout_uri` must be exactly one of the
 * client's sign-out URLs, else a 400 page; then a 302 to it. The sandbox keeps no sign-in session (its
 * login page always asks), so there is nothing else to end; the app drops its own tokens.
 */
export function logoutHandler(config: OidcConfig) {
  return (c: Context) => {
    const params = new URL(c.req.url).searchParams;
    const refuse = (message: string) => c.html(errorPage("Sign-out refused", message), 400, pageHeaders());
    if (repeated(params, ["client_id", "logout_uri"]))
      return refuse("client_id and logout_uri must appear once.");
    const client = config.clients.get(params.get("client_id") ?? "");
    if (!client) return refuse("client_id does not name an app client of this issuer.");
    const logoutUri = params.get("logout_uri");
    if (!logoutUri || !client.logoutUris.includes(logoutUri))
      return refuse("logout_uri must be exactly one of the app client's sign-out URLs.");
    return c.body(null, 302, { location: logoutUri, "cache-control": "no-store" });
  };
}
