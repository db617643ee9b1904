import {
  BUDGETS,
  DependencyUnavailableError,
  loadOnce,
  roleOf,
  TokenInvalidError,
  type UserPrincipal,
} from "@meridian/core";
import { createMiddleware } from "hono/factory";
import type { FetchImplementation, JWTPayload } from "jose";
import * as z from "zod/mini";
import type { AppEnv } from "../env.ts";

export interface JwtAuthOptions {
  /** Expected `iss`: the Cognito user pool URL, or the sandbox's local issuer. */
  issuer: string;
  /** The app client id: the `client_id` claim of its access tokens. */
  audience: string;
  /**
   * Where the issuer publishes its signing keys (`<issuer>/.well-known/jwks.json`). Fetched on the first
   * bearer token and cached; jose refreshes them when a token names an unknown key id.
   */
  jwksUrl: URL;
  /** Group whose members are admins. Default `admin`. */
  adminGroup?: string;
  /** Milliseconds the key set may take to arrive; then the request answers 503. Default `BUDGETS.http.jwksMs`. */
  jwksTimeoutMs?: number;
  /** Seconds of clock skew tolerated on `exp`, `nbf` and `iat`. Default 5. */
  clockToleranceSeconds?: number;
  /**
   * Oldest token accepted, in seconds since its `iat`, whatever its `exp` says. Default 86,400: a day, the
   * longest access-token validity a Cognito app client can be given (and `npm run token -- --ttl`'s limit).
   */
  maxTokenAgeSeconds?: number;
}

/** A day: Cognito's upper bound on an app client's access-token validity. */
export const MAX_TOKEN_AGE_SECONDS = 86_400;

/**
 * The claims the API relies on, in a Cognito access token for this app client. Other claims (`scope`,
 * `username`, `jti`...) pass unchecked; `exp`, `nbf` and `iat` are checked by jose (`iat` is required).
 */
function accessTokenClaims(audience: string) {
  return z.object({
    token_use: z.literal("access"),
    client_id: z.literal(audience),
    sub: z.string().check(z.minLength(1), z.maxLength(256)),
    "cognito:groups": z.optional(z.array(z.string())),
  });
}

/** Why a verified token's claims are refused: a message per claim, never the claim's value. */
function refusal(claim: PropertyKey | undefined): TokenInvalidError {
  if (claim === "token_use")
    return new TokenInvalidError("Send an access token (token_use: access); ID tokens are refused");
  if (claim === "client_id") return new TokenInvalidError("Token was not issued for this API");
  return new TokenInvalidError(`Token claim ${String(claim ?? "set")} is malformed`);
}

const ISSUER_FAILURES = new Set(["ERR_JWKS_TIMEOUT", "ERR_JOSE_GENERIC", "ERR_JWKS_INVALID"]);

/**
 * Verifies `Authorization: Bearer <jwt>` in the app itself (so it works behind any front door): RS256
 * signature from the issuer's JWKS (`alg: none` and HMAC are refused), issuer, expiry, `iat` (not in the
 * future beyond the skew, not older than `maxTokenAgeSeconds`), then the claims by schema: an access token
 * (`token_use: access`; ID tokens are refused) for this app client (`client_id`), a non-empty `sub`, and
 * `cognito:groups`, when present, an array of strings. Sets `c.get("user")` with the role from the groups.
 * (aws-jwt-verify refuses the sandbox's http issuer and retries the key set past its budget: decision 0016.)
 */
export function jwtAuth(options: JwtAuthOptions) {
  // jose is loaded with the first bearer token, so API-key requests (and their cold starts) never load it;
  // a failed load is tried again by the next token. It reads the key set through `fetchJwks`, not Node's
  // `fetch` (undici, whose load decision 0007 measures).
  const load = loadOnce(async () => {
    const [jose, { fetchJwks }] = await Promise.all([import("jose"), import("./jwks-fetch.ts")]);
    const keys = jose.createRemoteJWKSet(options.jwksUrl, {
      timeoutDuration: options.jwksTimeoutMs ?? BUDGETS.http.jwksMs,
      [jose.customFetch]: fetchJwks as unknown as FetchImplementation,
    });
    return { jose, keys, claims: accessTokenClaims(options.audience) };
  });
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]*)$/i.exec(header)?.[1];
    if (!token) throw new TokenInvalidError("Authorization: Bearer <token> is required");
    let loaded: Awaited<ReturnType<typeof load>>;
    try {
      loaded = await load();
    } catch (error) {
      throw new DependencyUnavailableError("token verifier", { cause: error });
    }
    const { jose, keys, claims } = loaded;
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, keys, {
        issuer: options.issuer,
        algorithms: ["RS256"],
        requiredClaims: ["exp"],
        clockTolerance: options.clockToleranceSeconds ?? 5,
        // Makes `iat` required, and refuses one in the future (beyond the tolerance) or too far in the past.
        maxTokenAge: options.maxTokenAgeSeconds ?? MAX_TOKEN_AGE_SECONDS,
      }));
    } catch (error) {
      // A bad token is the client's problem; an issuer whose key set cannot be fetched or read is ours
      // (503, retry): a timeout, an answer other than 200 or not JSON (jose's generic error), a malformed set.
      if (error instanceof jose.errors.JOSEError && !ISSUER_FAILURES.has(error.code))
        throw new TokenInvalidError();
      throw new DependencyUnavailableError("token issuer", { cause: error });
    }
    const parsed = claims.safeParse(payload);
    if (!parsed.success) throw refusal(parsed.error.issues[0]?.path[0]);
    const groups = parsed.data["cognito:groups"] ?? [];
    const user: UserPrincipal = { sub: parsed.data.sub, groups, role: roleOf(groups, options.adminGroup) };
    c.set("user", user);
    await next();
  });
}
