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
import type { AppEnv } from "../env.ts";

export interface JwtAuthOptions {
  /** Expected `iss`: the Cognito user pool URL, or the sandbox's local issuer. */
  issuer: string;
  /** The app client id: `client_id` of access tokens, `aud` of ID tokens. */
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
  /** Seconds of clock skew tolerated on `exp`/`iat`. Default 5. */
  clockToleranceSeconds?: number;
}

function audienceMatches(payload: JWTPayload, audience: string): boolean {
  if (payload.token_use === "access") return payload.client_id === audience;
  if (payload.token_use === "id")
    return Array.isArray(payload.aud) ? payload.aud.includes(audience) : payload.aud === audience;
  return false;
}

const ISSUER_FAILURES = new Set(["ERR_JWKS_TIMEOUT", "ERR_JOSE_GENERIC", "ERR_JWKS_INVALID"]);

/**
 * Verifies `Authorization: Bearer <jwt>` in the app itself (so it works behind any front door): RS256
 * signature from the issuer's JWKS (`alg: none` and HMAC are refused), issuer, expiry, token use and
 * audience/client id. Sets `c.get("user")` with the role from the groups claim.
 */
export function jwtAuth(options: JwtAuthOptions) {
  // jose is loaded with the first bearer token, so API-key requests (and their cold starts) never load it;
  // a failed load is tried again by the next token. It reads the key set through `fetchJwks`, not Node's
  // `fetch` (undici, 20-40 ms of a Lambda cold start).
  const load = loadOnce(async () => {
    const [jose, { fetchJwks }] = await Promise.all([import("jose"), import("./jwks-fetch.ts")]);
    const keys = jose.createRemoteJWKSet(options.jwksUrl, {
      timeoutDuration: options.jwksTimeoutMs ?? BUDGETS.http.jwksMs,
      [jose.customFetch]: fetchJwks as unknown as FetchImplementation,
    });
    return { jose, keys };
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
    const { jose, keys } = loaded;
    let payload: JWTPayload;
    try {
      ({ payload } = await jose.jwtVerify(token, keys, {
        issuer: options.issuer,
        algorithms: ["RS256"],
        requiredClaims: ["exp", "sub", "token_use"],
        clockTolerance: options.clockToleranceSeconds ?? 5,
      }));
    } catch (error) {
      // A bad token is the client's problem; an issuer whose key set cannot be fetched or read is ours
      // (503, retry): a timeout, an answer other than 200 or not JSON (jose's generic error), a malformed set.
      if (error instanceof jose.errors.JOSEError && !ISSUER_FAILURES.has(error.code))
        throw new TokenInvalidError();
      throw new DependencyUnavailableError("token issuer", { cause: error });
    }
    if (!audienceMatches(payload, options.audience))
      throw new TokenInvalidError("Token was not issued for this API");
    const groups = Array.isArray(payload["cognito:groups"]) ? payload["cognito:groups"].map(String) : [];
    const user: UserPrincipal = {
      sub: String(payload.sub),
      groups,
      role: roleOf(groups, options.adminGroup),
    };
    c.set("user", user);
    await next();
  });
}
