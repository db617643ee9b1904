import { generateKeyPairSync, randomUUID } from "node:crypto";
import { clientRequestId, errorBody } from "@meridian/api";
import { type Context, Hono } from "hono";
import { importJWK, type JWK, SignJWT } from "jose";
import type { SandboxHome } from "./home.ts";
import type { MetricsCollector } from "./metrics-collector.ts";

/** The sandbox's stand-in for the Cognito user pool: an RS256 key, a JWKS endpoint, and token minting. */
export interface LocalIssuerKey {
  kid: string;
  privateJwk: JWK;
}

export const LOCAL_AUDIENCE = "meridian-local";
export const ISSUER_PATH = "/_sandbox/issuer";

/** Loads the signing key kept under the sandbox home (made once), or a fresh one in memory. */
export function loadIssuerKey(home: SandboxHome): LocalIssuerKey {
  const json = home.remember("jwt-signing-key.json", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const jwk = privateKey.export({ format: "jwk" }) as JWK;
    return JSON.stringify({ kid: `local-${Date.now().toString(36)}`, privateJwk: jwk });
  });
  return JSON.parse(json) as LocalIssuerKey;
}

export function publicJwks(key: LocalIssuerKey): { keys: JWK[] } {
  const { kty, n, e } = key.privateJwk;
  return { keys: [{ kty, n, e, kid: key.kid, alg: "RS256", use: "sig" }] };
}

export interface TokenRequest {
  issuer: string;
  role: "admin" | "customer";
  sub: string;
  ttlSeconds?: number;
  /** The app client the token is for (`client_id`). Default `LOCAL_AUDIENCE`. */
  clientId?: string;
  /** Granted scopes, space separated (`scope`). Default `openid`. */
  scope?: string;
  /** Cognito's `username` claim, set by the sign-in flow; `npm run token` leaves it out. */
  username?: string;
  /** Seconds since 1970 the user signed in (`auth_time`), set by the sign-in flow. */
  authTime?: number;
  /** Seconds since 1970 for `iat` (`exp` follows from it). Default now. */
  issuedAt?: number;
  /** A unique token id (`jti`), as Cognito gives every token; `npm run token` leaves it out. */
  jti?: string;
}

/** Mints an access token shaped like Cognito's: `token_use: access`, `client_id`, `cognito:groups`. */
export async function signLocalToken(key: LocalIssuerKey, request: TokenRequest): Promise<string> {
  const signingKey = await importJWK(key.privateJwk, "RS256");
  const issuedAt = request.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({
    token_use: "access",
    client_id: request.clientId ?? LOCAL_AUDIENCE,
    scope: request.scope ?? "openid",
    "cognito:groups": request.role === "admin" ? ["admin"] : [],
    ...(request.username === undefined ? {} : { username: request.username }),
    ...(request.authTime === undefined ? {} : { auth_time: request.authTime }),
    ...(request.jti === undefined ? {} : { jti: request.jti }),
  })
    .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT" })
    .setIssuer(request.issuer)
    .setSubject(request.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (request.ttlSeconds ?? 3600))
    .sign(signingKey);
}

/** Routes the sandbox serves beside the API, under `/_sandbox`: the issuer's JWKS and the metrics. */
export function sandboxRoutes(key: LocalIssuerKey, metrics: MetricsCollector): Hono {
  const app = new Hono();
  // As the API does: every answer carries X-Request-Id (a client's well-formed one kept); a path nobody
  // serves and a failure answer the API's JSON error body, a 500 without internals.
  app.use(async (c, next) => {
    c.header("x-request-id", clientRequestId(c.req.header("x-request-id")));
    await next();
  });
  const requestId = (c: Context) => c.res.headers.get("x-request-id") ?? randomUUID();
  app.notFound((c) =>
    c.json(
      errorBody(requestId(c), { code: "ROUTE_NOT_FOUND", message: `No route ${c.req.method} ${c.req.path}` }),
      404,
    ),
  );
  app.onError((error, c) => {
    console.error(`sandbox: ${c.req.method} ${c.req.path} failed:`, error);
    return c.json(errorBody(requestId(c), { code: "INTERNAL", message: "Internal server error" }), 500);
  });
  app.get(`${ISSUER_PATH}/.well-known/jwks.json`, (c) => c.json(publicJwks(key)));
  app.get("/_sandbox/metrics", (c) => c.json({ metrics: metrics.snapshot() }));
  return app;
}
