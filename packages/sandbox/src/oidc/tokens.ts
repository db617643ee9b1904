import { createHash, randomBytes, randomUUID } from "node:crypto";
import { importJWK, SignJWT } from "jose";
import { signLocalToken } from "../issuer.ts";
import type { OidcConfig } from "./options.ts";

/** Who signed in, to which client, with what: what a code and a refresh token stand for. */
export interface Grant {
  clientId: string;
  sub: string;
  username: string;
  role: "admin" | "customer";
  /** Granted scopes, space separated. */
  scope: string;
  nonce?: string;
  /** Seconds since 1970 the user signed in; kept through refreshes (OIDC clients compare it). */
  authTime: number;
}

/** Cognito's token endpoint answer. */
export interface TokenResponse {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: "Bearer";
  expires_in: number;
}

/** A random opaque value of 32 bytes, base64url: codes and refresh tokens. */
export function opaqueToken(): string {
  return randomBytes(32).toString("base64url");
}

/** OIDC's `at_hash`: the left half of SHA-256 of the access token, base64url. */
function atHash(accessToken: string): string {
  return createHash("sha256").update(accessToken).digest().subarray(0, 16).toString("base64url");
}

/**
 * Mints the access token (by `signLocalToken`, exactly what the API accepts and `npm run token` prints)
 * and, when `openid` was granted, the ID token Cognito would give: RS256 with the same key, `aud` the
 * client, `token_use: id` (which the API refuses as a bearer token), `cognito:username`, `cognito:groups`,
 * the `nonce` the client sent and the `auth_time`.
 */
export async function mintTokens(config: OidcConfig, grant: Grant): Promise<TokenResponse> {
  const issuedAt = Math.floor(config.now() / 1000);
  const ttl = config.accessTokenTtlSeconds;
  const groups = grant.role === "admin" ? ["admin"] : [];
  const accessToken = await signLocalToken(config.key, {
    issuer: config.issuer,
    role: grant.role,
    sub: grant.sub,
    ttlSeconds: ttl,
    clientId: grant.clientId,
    scope: grant.scope,
    username: grant.username,
    authTime: grant.authTime,
    issuedAt,
    // Two tokens minted in the same second differ all the same.
    jti: randomUUID(),
  });
  const response: TokenResponse = { access_token: accessToken, token_type: "Bearer", expires_in: ttl };
  if (grant.scope.split(" ").includes("openid")) {
    response.id_token = await new SignJWT({
      token_use: "id",
      at_hash: atHash(accessToken),
      "cognito:username": grant.username,
      "cognito:groups": groups,
      auth_time: grant.authTime,
      ...(grant.nonce === undefined ? {} : { nonce: grant.nonce }),
    })
      .setProtectedHeader({ alg: "RS256", kid: config.key.kid, typ: "JWT" })
      .setIssuer(config.issuer)
      .setSubject(grant.sub)
      .setAudience(grant.clientId)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .sign(await importJWK(config.key.privateJwk, "RS256"));
  }
  return response;
}
