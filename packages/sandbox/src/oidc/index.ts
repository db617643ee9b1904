import { Hono } from "hono";
import { cors } from "hono/cors";
import { authorizeRoutes } from "./authorize.ts";
import { type OidcContext, PATHS } from "./context.ts";
import { discoveryDocument } from "./discovery.ts";
import { GrantStore } from "./grant-store.ts";
import { loginRequestSealer } from "./login-request.ts";
import { logoutHandler } from "./logout.ts";
import { LOGIN_FORM_TTL_MS, type OidcOptions, oidcConfig } from "./options.ts";
import { tokenRoutes } from "./token-endpoint.ts";
import { userInfoHandler } from "./user-info.ts";

export { PATHS as OIDC_PATHS } from "./context.ts";
export type { OidcClient, OidcOptions } from "./options.ts";

/**
 * The sandbox's stand-in for Cognito's managed login: OIDC discovery, `/oauth2/authorize` with a sign-in
 * page, `/oauth2/token` (authorization code with PKCE S256, refresh token), `/oauth2/userInfo`,
 * `/oauth2/revoke` and `/logout`, at absolute paths under `ISSUER_PATH` (the JWKS stays with
 * `sandboxRoutes`). Codes and refresh tokens live in this app's memory. Throws a TypeError naming the
 * option when the options are wrong.
 *
 * @example
 * const oidc = oidcRoutes({
 *   issuer: `${url}${ISSUER_PATH}`,
 *   key: issuerKey,
 *   clients: [{ clientId: LOCAL_AUDIENCE, redirectUris: [`${url}/app/callback`], logoutUris: [`${url}/app/`] }],
 * });
 * local.route("/", oidc);
 */
export function oidcRoutes(options: OidcOptions): Hono {
  const config = oidcConfig(options);
  const ctx: OidcContext = {
    config,
    grants: new GrantStore(config.now),
    forms: loginRequestSealer(LOGIN_FORM_TTL_MS, config.now),
  };
  const app = new Hono();
  // The browser app reads these with fetch; only the origins of registered callback URLs may (the login
  // page and /logout are navigations, which need no CORS).
  const allowOrigins = cors({
    origin: (origin) => (config.origins.has(origin) ? origin : null),
    allowMethods: ["GET", "POST"],
    allowHeaders: ["authorization", "content-type"],
    maxAge: 600,
  });
  for (const path of [PATHS.discovery, PATHS.token, PATHS.userInfo, PATHS.revoke])
    app.use(path, allowOrigins);

  app.get(PATHS.discovery, (c) => c.json(discoveryDocument(config)));
  authorizeRoutes(app, ctx);
  tokenRoutes(app, ctx);
  app.get(PATHS.userInfo, userInfoHandler(config));
  app.get(PATHS.logout, logoutHandler(config));
  return app;
}
