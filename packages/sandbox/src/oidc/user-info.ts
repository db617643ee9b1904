import type { Context } from "hono";
import { createLocalJWKSet, jwtVerify } from "jose";
import { publicJwks } from "../issuer.ts";
import type { OidcConfig } from "./options.ts";

/**
 * `GET /oauth2/userInfo` with `Authorization: Bearer <access token>`: `{sub, username}` and, for members of
 * a group, `cognito:groups`. The token is checked as the API checks it (RS256 by this issuer's key, `iss`,
 * expiry, `token_use: access`, a registered `client_id`); a bad one gets 401 with RFC 6750's
 * `WWW-Authenticate: Bearer error="invalid_token"`.
 */
export function userInfoHandler(config: OidcConfig) {
  const keys = createLocalJWKSet(publicJwks(config.key));
  return async (c: Context) => {
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    const refuse = (description: string) =>
      c.json({ error: "invalid_token", error_description: description }, 401, {
        "www-authenticate": `Bearer error="invalid_token", error_description="${description}"`,
        "cache-control": "no-store",
      });
    if (!token) return refuse("Send Authorization: Bearer <access token>");
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: config.issuer,
        algorithms: ["RS256"],
        requiredClaims: ["exp", "sub"],
        currentDate: new Date(config.now()),
      });
      if (payload.token_use !== "access" || !config.clients.has(String(payload.client_id)))
        return refuse("Send an access token of an app client of this issuer");
      const groups = payload["cognito:groups"];
      return c.json(
        {
          sub: payload.sub,
          username: typeof payload.username === "string" ? payload.username : payload.sub,
          ...(Array.isArray(groups) && groups.length ? { "cognito:groups": groups } : {}),
        },
        200,
        { "cache-control": "no-store" },
      );
    } catch {
      return refuse("The access token is invalid or expired");
    }
  };
}
