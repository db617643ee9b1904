import { createHash, generateKeyPairSync, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type AppEnv, jwtAuth } from "@meridian/api";
import { AppError } from "@meridian/core";
import { Hono } from "hono";
import { createRemoteJWKSet, decodeJwt, type JWK, jwtVerify } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { ISSUER_PATH, LOCAL_AUDIENCE, type LocalIssuerKey, publicJwks } from "../src/issuer.ts";
import { BoundedMap } from "../src/oidc/bounded-map.ts";
import { oidcRoutes } from "../src/oidc/index.ts";

// A real HTTP server on loopback: the OIDC routes, the issuer's JWKS, and the API's own JWT middleware on
// /me, so the tokens are checked by the very code that checks them in the API.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const key: LocalIssuerKey = { kid: "test-key", privateJwk: privateKey.export({ format: "jwk" }) as JWK };
const OTHER_CLIENT = "other-client";
let skewMs = 0;
let url: string;
let issuer: string;
let callback: string;
let server: ReturnType<typeof serve>;

beforeAll(async () => {
  let handle: (request: Request) => Response | Promise<Response> = () => new Response(null, { status: 503 });
  server = serve({ fetch: (request) => handle(request), hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = `${url}${ISSUER_PATH}`;
  callback = `${url}/app/callback`;
  const root = new Hono<AppEnv>();
  root.get(`${ISSUER_PATH}/.well-known/jwks.json`, (c) => c.json(publicJwks(key)));
  root.route(
    "/",
    oidcRoutes({
      issuer,
      key,
      clients: [
        {
          clientId: LOCAL_AUDIENCE,
          redirectUris: [callback, `${url}/app/other-callback`, "http://127.0.0.1:5173/app/callback"],
          logoutUris: [`${url}/app/`],
        },
        { clientId: OTHER_CLIENT, redirectUris: ["http://127.0.0.1:4999/cb"], logoutUris: [] },
      ],
      now: () => Date.now() + skewMs,
    }),
  );
  root.use(
    "/me",
    jwtAuth({ issuer, audience: LOCAL_AUDIENCE, jwksUrl: new URL(`${issuer}/.well-known/jwks.json`) }),
  );
  root.get("/me", (c) => c.json(c.get("user")));
  root.onError((error, c) =>
    error instanceof AppError
      ? c.json({ code: error.code }, error.status as 401)
      : c.json({ code: "INTERNAL" }, 500),
  );
  handle = (request) => root.fetch(request);
});

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
  });
});

afterEach(() => {
  skewMs = 0;
});

// PKCE computed here, independently of the module under test.
const newVerifier = () => randomBytes(32).toString("base64url");
const challengeOf = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

interface AuthorizeParams {
  client_id?: string;
  redirect_uri?: string;
  response_type?: string;
  state?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  scope?: string;
  nonce?: string;
  prompt?: string;
}

function authorizeUrl(params: AuthorizeParams): string {
  const defined = Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined);
  const query = new URLSearchParams(defined);
  return `${issuer}/oauth2/authorize?${query}`;
}

function validParams(verifier: string, overrides: AuthorizeParams = {}): AuthorizeParams {
  return {
    response_type: "code",
    client_id: LOCAL_AUDIENCE,
    redirect_uri: callback,
    state: "st-123",
    code_challenge: challengeOf(verifier),
    code_challenge_method: "S256",
    scope: "openid",
    nonce: "n-456",
    ...overrides,
  };
}

/** The sealed request of a rendered sign-in page. */
function hiddenRequest(html: string): string {
  const value = /name="request" value="([^"]+)"/.exec(html)?.[1];
  if (!value) throw new Error(`no request field in ${html}`);
  return value;
}

function postForm(path: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${issuer}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

/** The browser's part: open the sign-in page, submit it, follow nothing: returns the callback URL. */
async function signIn(
  options: { username?: string; role?: string; params?: AuthorizeParams; verifier?: string } = {},
) {
  const verifier = options.verifier ?? newVerifier();
  const page = await fetch(authorizeUrl(options.params ?? validParams(verifier)), { redirect: "manual" });
  expect(page.status).toBe(200);
  const posted = await postForm("/oauth2/authorize", {
    request: hiddenRequest(await page.text()),
    username: options.username ?? "alice",
    role: options.role ?? "customer",
  });
  expect(posted.status).toBe(302);
  const location = new URL(posted.headers.get("location") ?? "");
  return { verifier, location, code: location.searchParams.get("code") ?? "" };
}

function exchange(code: string, verifier: string, overrides: Record<string, string> = {}) {
  return postForm("/oauth2/token", {
    grant_type: "authorization_code",
    client_id: LOCAL_AUDIENCE,
    code,
    redirect_uri: callback,
    code_verifier: verifier,
    ...overrides,
  });
}

interface Tokens {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: string;
  expires_in: number;
}

async function tokensOf(res: Response): Promise<Tokens> {
  expect(res.status).toBe(200);
  return (await res.json()) as Tokens;
}

async function oauthErrorOf(res: Response): Promise<{ status: number; error: string }> {
  const body = (await res.json()) as { error: string; error_description: string };
  expect(body.error_description).toEqual(expect.any(String));
  expect(res.headers.get("cache-control")).toBe("no-store");
  return { status: res.status, error: body.error };
}

const me = (token: string) => fetch(`${url}/me`, { headers: { authorization: `Bearer ${token}` } });

describe("discovery", () => {
  it("publishes Cognito's endpoints, S256 only, and no end_session_endpoint", async () => {
    const res = await fetch(`${issuer}/.well-known/openid-configuration`);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer,
      authorization_endpoint: `${issuer}/oauth2/authorize`,
      token_endpoint: `${issuer}/oauth2/token`,
      userinfo_endpoint: `${issuer}/oauth2/userInfo`,
      revocation_endpoint: `${issuer}/oauth2/revoke`,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["RS256"],
    });
    expect(doc.scopes_supported).toContain("openid");
    expect(doc).not.toHaveProperty("end_session_endpoint");
  });

  it("refuses options whose issuer is not served at ISSUER_PATH", () => {
    expect(() => oidcRoutes({ issuer: "http://127.0.0.1:1/elsewhere", key, clients: [] })).toThrow(
      /option issuer must end with \/_sandbox\/issuer/,
    );
  });
});

describe("authorization code flow with PKCE", () => {
  it("signs a customer in: sign-in page, form, callback with code and state, tokens the API accepts", async () => {
    const verifier = newVerifier();
    const page = await fetch(authorizeUrl(validParams(verifier)), { redirect: "manual" });
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toMatch(
      /^default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http:\/\/127\.0\.0\.1:\d+;/,
    );
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    expect(html).toContain('<html lang="en">');
    expect(html.match(/<h1>/g)).toHaveLength(1);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toMatch(
      /<label for="username">[^<]+<\/label>\s*<input type="text" id="username" name="username" value="alice"/,
    );
    expect(html).toContain('<input type="radio" name="role" value="customer" checked>');
    expect(html).toContain('<input type="radio" name="role" value="admin">');
    expect(html).toContain(`<form method="post" action="${ISSUER_PATH}/oauth2/authorize">`);
    expect(html).toContain('<button type="submit">Sign in</button>');
    expect(html).not.toContain("<script");

    const posted = await postForm("/oauth2/authorize", {
      request: hiddenRequest(html),
      username: "alice",
      role: "customer",
    });
    expect(posted.status).toBe(302);
    const location = new URL(posted.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(callback);
    expect(location.searchParams.get("state")).toBe("st-123");
    const code = location.searchParams.get("code") ?? "";
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const res = await exchange(code, verifier);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const tokens = await tokensOf(res);
    expect(tokens).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    expect(tokens.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
    const { payload: access } = await jwtVerify(tokens.access_token, jwks, { issuer, algorithms: ["RS256"] });
    expect(access).toMatchObject({
      token_use: "access",
      client_id: LOCAL_AUDIENCE,
      sub: "local-alice",
      username: "alice",
      "cognito:groups": [],
      scope: "openid",
    });
    expect((access.exp ?? 0) - (access.iat ?? 0)).toBe(3600);
    const { payload: id } = await jwtVerify(tokens.id_token ?? "", jwks, {
      issuer,
      audience: LOCAL_AUDIENCE,
      algorithms: ["RS256"],
    });
    expect(id).toMatchObject({
      token_use: "id",
      sub: "local-alice",
      "cognito:username": "alice",
      "cognito:groups": [],
      nonce: "n-456",
      auth_time: expect.any(Number),
    });
    const atHash = createHash("sha256")
      .update(tokens.access_token)
      .digest()
      .subarray(0, 16)
      .toString("base64url");
    expect(id.at_hash).toBe(atHash);

    // The API's own middleware: the access token signs in as a customer; the ID token is refused.
    const signedIn = await me(tokens.access_token);
    expect(signedIn.status).toBe(200);
    expect(await signedIn.json()).toEqual({ sub: "local-alice", groups: [], role: "customer" });
    const withIdToken = await me(tokens.id_token ?? "");
    expect(withIdToken.status).toBe(401);
    expect(await withIdToken.json()).toEqual({ code: "TOKEN_INVALID" });
  });

  it("signs an admin in with the admin group, and without openid gives no ID token", async () => {
    const verifier = newVerifier();
    const { code } = await signIn({
      username: "root.admin",
      role: "admin",
      verifier,
      params: validParams(verifier, { scope: "email", nonce: undefined }),
    });
    const tokens = await tokensOf(await exchange(code, verifier));
    expect(tokens.id_token).toBeUndefined();
    expect(decodeJwt(tokens.access_token)).toMatchObject({ "cognito:groups": ["admin"], scope: "email" });
    expect(await (await me(tokens.access_token)).json()).toEqual({
      sub: "local-root.admin",
      groups: ["admin"],
      role: "admin",
    });
  });

  it("refuses a wrong code_verifier (invalid_grant), and the code is spent by the attempt", async () => {
    const { code, verifier } = await signIn();
    expect(await oauthErrorOf(await exchange(code, newVerifier()))).toEqual({
      status: 400,
      error: "invalid_grant",
    });
    expect(await oauthErrorOf(await exchange(code, verifier))).toEqual({
      status: 400,
      error: "invalid_grant",
    });
  });

  it("refuses a code_verifier outside RFC 7636's syntax without spending the code", async () => {
    const { code, verifier } = await signIn();
    const short = await exchange(code, "a".repeat(42));
    expect(await oauthErrorOf(short)).toEqual({ status: 400, error: "invalid_request" });
    const badChars = await exchange(code, `${"a".repeat(42)}+`);
    expect(await oauthErrorOf(badChars)).toEqual({ status: 400, error: "invalid_request" });
    await tokensOf(await exchange(code, verifier));
  });

  it("refuses a reused code and revokes the refresh token issued from it", async () => {
    const { code, verifier } = await signIn();
    const first = await tokensOf(await exchange(code, verifier));
    expect(await oauthErrorOf(await exchange(code, verifier))).toEqual({
      status: 400,
      error: "invalid_grant",
    });
    const refreshed = await postForm("/oauth2/token", {
      grant_type: "refresh_token",
      client_id: LOCAL_AUDIENCE,
      refresh_token: first.refresh_token ?? "",
    });
    expect(await oauthErrorOf(refreshed)).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("refuses a token request whose redirect_uri or client_id differs from the code's", async () => {
    const a = await signIn();
    const otherUri = await exchange(a.code, a.verifier, { redirect_uri: `${url}/app/other-callback` });
    expect(await oauthErrorOf(otherUri)).toEqual({ status: 400, error: "invalid_grant" });
    const b = await signIn();
    const otherClient = await exchange(b.code, b.verifier, { client_id: OTHER_CLIENT });
    expect(await oauthErrorOf(otherClient)).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("expires a code after 5 minutes", async () => {
    const { code, verifier } = await signIn();
    skewMs = 5 * 60_000 + 1000;
    expect(await oauthErrorOf(await exchange(code, verifier))).toEqual({
      status: 400,
      error: "invalid_grant",
    });
  });

  it("answers RFC 6749 errors for malformed token requests", async () => {
    const json = await fetch(`${issuer}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "authorization_code" }),
    });
    expect(await oauthErrorOf(json)).toEqual({ status: 400, error: "invalid_request" });
    const unknownClient = await postForm("/oauth2/token", {
      grant_type: "refresh_token",
      client_id: "nobody",
      refresh_token: "x",
    });
    expect(await oauthErrorOf(unknownClient)).toEqual({ status: 401, error: "invalid_client" });
    const grant = await postForm("/oauth2/token", { grant_type: "password", client_id: LOCAL_AUDIENCE });
    expect(await oauthErrorOf(grant)).toEqual({ status: 400, error: "unsupported_grant_type" });
    const twice = await fetch(`${issuer}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: `grant_type=refresh_token&client_id=${LOCAL_AUDIENCE}&refresh_token=a&refresh_token=b`,
    });
    expect(await oauthErrorOf(twice)).toEqual({ status: 400, error: "invalid_request" });
  });
});

describe("authorize endpoint refusals", () => {
  it("shows a 400 page, never a redirect, for an unknown client or an unregistered redirect_uri", async () => {
    const verifier = newVerifier();
    for (const params of [
      validParams(verifier, { client_id: "nobody" }),
      validParams(verifier, { client_id: undefined }),
      validParams(verifier, { redirect_uri: `${callback}/` }),
      validParams(verifier, { redirect_uri: "https://evil.example/app/callback" }),
      validParams(verifier, { client_id: OTHER_CLIENT }),
    ]) {
      const res = await fetch(authorizeUrl(params), { redirect: "manual" });
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      expect(await res.text()).toMatch(/<h1>(Unknown app client|Unregistered callback URL)<\/h1>/);
    }
  });

  it("redirects other errors to the callback with error, error_description and state: plain PKCE is refused", async () => {
    const verifier = newVerifier();
    const cases: [AuthorizeParams, string][] = [
      [
        validParams(verifier, { code_challenge_method: "plain", code_challenge: verifier }),
        "invalid_request",
      ],
      [validParams(verifier, { code_challenge_method: undefined }), "invalid_request"],
      [validParams(verifier, { code_challenge: undefined }), "invalid_request"],
      [validParams(verifier, { code_challenge: "short" }), "invalid_request"],
      [validParams(verifier, { response_type: undefined }), "invalid_request"],
      [validParams(verifier, { response_type: "token" }), "unsupported_response_type"],
      [validParams(verifier, { scope: "openid admin" }), "invalid_scope"],
      [validParams(verifier, { prompt: "none" }), "login_required"],
    ];
    for (const [params, error] of cases) {
      const res = await fetch(authorizeUrl(params), { redirect: "manual" });
      expect(res.status).toBe(302);
      const location = new URL(res.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe(callback);
      expect(location.searchParams.get("error")).toBe(error);
      expect(location.searchParams.get("error_description")).toEqual(expect.any(String));
      expect(location.searchParams.get("state")).toBe("st-123");
      expect(location.searchParams.get("code")).toBeNull();
    }
  });

  it("escapes a hostile user name in the page that asks again", async () => {
    const page = await fetch(authorizeUrl(validParams(newVerifier())));
    const hostile = `"><script>alert(1)</script><img src=x onerror=alert(2)>`;
    const res = await postForm("/oauth2/authorize", {
      request: hiddenRequest(await page.text()),
      username: hostile,
      role: "customer",
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("location")).toBeNull();
    const html = await res.text();
    expect(html).not.toContain("<script>");
    expect(html).not.toContain("<img");
    expect(html).toContain(
      'value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"',
    );
    expect(html).toContain('role="alert"');
    expect(html).toContain('aria-invalid="true"');
    // The page asks again with a fresh sealed request that still works.
    const again = await postForm("/oauth2/authorize", {
      request: hiddenRequest(html),
      username: "bob",
      role: "admin",
    });
    expect(again.status).toBe(302);
  });

  it("refuses a form whose sealed request was altered, is too old, or comes from another site", async () => {
    const page = await fetch(authorizeUrl(validParams(newVerifier())));
    const request = hiddenRequest(await page.text());
    const [payload, mac] = request.split(".");
    const altered = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as Record<string, unknown>;
    altered.redirectUri = "https://evil.example/cb";
    const forged = `${Buffer.from(JSON.stringify(altered)).toString("base64url")}.${mac}`;
    const tampered = await postForm("/oauth2/authorize", {
      request: forged,
      username: "alice",
      role: "customer",
    });
    expect(tampered.status).toBe(400);
    expect(tampered.headers.get("location")).toBeNull();

    const crossSite = await postForm(
      "/oauth2/authorize",
      { request, username: "alice", role: "customer" },
      { origin: "https://evil.example" },
    );
    expect(crossSite.status).toBe(403);
    const sameSite = await postForm(
      "/oauth2/authorize",
      { request, username: "alice", role: "customer" },
      { origin: url },
    );
    expect(sameSite.status).toBe(302);

    skewMs = 10 * 60_000 + 1000;
    const expired = await postForm("/oauth2/authorize", { request, username: "alice", role: "customer" });
    expect(expired.status).toBe(400);
    expect(await expired.text()).toContain("Sign-in form expired");
  });
});

describe("refresh, userInfo and revocation", () => {
  it("refreshes: new access and ID tokens, the same sign-in time, no new refresh token", async () => {
    const { code, verifier } = await signIn({ role: "admin" });
    const first = await tokensOf(await exchange(code, verifier));
    skewMs = 2000;
    const refreshed = await tokensOf(
      await postForm("/oauth2/token", {
        grant_type: "refresh_token",
        client_id: LOCAL_AUDIENCE,
        refresh_token: first.refresh_token ?? "",
      }),
    );
    expect(refreshed.refresh_token).toBeUndefined();
    expect(refreshed).toMatchObject({ token_type: "Bearer", expires_in: 3600 });
    const before = decodeJwt(first.access_token);
    const after = decodeJwt(refreshed.access_token);
    expect(after.iat).toBeGreaterThan(before.iat ?? 0);
    expect(after.jti).toEqual(expect.any(String));
    expect(after.jti).not.toBe(before.jti);
    expect(decodeJwt(refreshed.id_token ?? "").auth_time).toBe(decodeJwt(first.id_token ?? "").auth_time);
    skewMs = 0;
    expect(await (await me(refreshed.access_token)).json()).toMatchObject({ role: "admin" });
    // Another client cannot use it.
    const stolen = await postForm("/oauth2/token", {
      grant_type: "refresh_token",
      client_id: OTHER_CLIENT,
      refresh_token: first.refresh_token ?? "",
    });
    expect(await oauthErrorOf(stolen)).toEqual({ status: 400, error: "invalid_grant" });
  });

  it("answers userInfo for an access token and 401 for an ID token", async () => {
    const { code, verifier } = await signIn({ username: "carol", role: "admin" });
    const tokens = await tokensOf(await exchange(code, verifier));
    const info = await fetch(`${issuer}/oauth2/userInfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(await info.json()).toEqual({ sub: "local-carol", username: "carol", "cognito:groups": ["admin"] });
    const withId = await fetch(`${issuer}/oauth2/userInfo`, {
      headers: { authorization: `Bearer ${tokens.id_token}` },
    });
    expect(withId.status).toBe(401);
    expect(withId.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_token"/);
  });

  it("revokes a refresh token: 200, then the token no longer refreshes", async () => {
    const { code, verifier } = await signIn();
    const tokens = await tokensOf(await exchange(code, verifier));
    const refresh = {
      grant_type: "refresh_token",
      client_id: LOCAL_AUDIENCE,
      refresh_token: tokens.refresh_token ?? "",
    };
    const byOther = await postForm("/oauth2/revoke", {
      token: tokens.refresh_token ?? "",
      client_id: OTHER_CLIENT,
    });
    expect(await oauthErrorOf(byOther)).toEqual({ status: 400, error: "invalid_request" });
    await tokensOf(await postForm("/oauth2/token", refresh));
    const revoked = await postForm("/oauth2/revoke", {
      token: tokens.refresh_token ?? "",
      client_id: LOCAL_AUDIENCE,
    });
    expect(revoked.status).toBe(200);
    expect(await oauthErrorOf(await postForm("/oauth2/token", refresh))).toEqual({
      status: 400,
      error: "invalid_grant",
    });
    // Revoking it again (or any unknown token) is still a 200 (RFC 7009).
    expect(
      (await postForm("/oauth2/revoke", { token: tokens.refresh_token ?? "", client_id: LOCAL_AUDIENCE }))
        .status,
    ).toBe(200);
  });
});

describe("logout", () => {
  it("redirects to a registered logout_uri and refuses any other with a 400 page", async () => {
    const logout = (clientId: string, logoutUri: string) =>
      fetch(`${issuer}/logout?${new URLSearchParams({ client_id: clientId, logout_uri: logoutUri })}`, {
        redirect: "manual",
      });
    const ok = await logout(LOCAL_AUDIENCE, `${url}/app/`);
    expect(ok.status).toBe(302);
    expect(ok.headers.get("location")).toBe(`${url}/app/`);
    for (const res of [
      await logout(LOCAL_AUDIENCE, `${url}/app`),
      await logout(LOCAL_AUDIENCE, "https://evil.example/"),
      await logout("nobody", `${url}/app/`),
      await logout(OTHER_CLIENT, `${url}/app/`),
    ]) {
      expect(res.status).toBe(400);
      expect(res.headers.get("location")).toBeNull();
      expect(await res.text()).toContain("<h1>Sign-out refused</h1>");
    }
  });
});

describe("CORS on the token endpoint", () => {
  const preflight = (origin: string) =>
    fetch(`${issuer}/oauth2/token`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });

  it("lets the origins of registered callback URLs in, and no other", async () => {
    for (const origin of [url, "http://127.0.0.1:5173", "http://127.0.0.1:4999"]) {
      const res = await preflight(origin);
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(origin);
      expect(res.headers.get("access-control-allow-methods")).toContain("POST");
      expect(res.headers.get("access-control-allow-headers")).toContain("content-type");
    }
    for (const origin of ["https://evil.example", "http://localhost:5173", "null"]) {
      const res = await preflight(origin);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    }
    const { code, verifier } = await signIn();
    const res = await fetch(`${issuer}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: "http://127.0.0.1:5173" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: LOCAL_AUDIENCE,
        code,
        redirect_uri: callback,
        code_verifier: verifier,
      }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBe("http://127.0.0.1:5173");
  });
});

describe("BoundedMap", () => {
  it("forgets expired entries and, when full, the oldest", () => {
    let now = 0;
    const map = new BoundedMap<{ expiresAt: number; n: number }>(3, () => now);
    map.set("a", { expiresAt: 10, n: 1 });
    map.set("b", { expiresAt: 100, n: 2 });
    map.set("c", { expiresAt: 100, n: 3 });
    map.set("d", { expiresAt: 100, n: 4 });
    expect(map.size).toBe(3);
    expect(map.get("a")).toBeUndefined();
    now = 50;
    map.set("e", { expiresAt: 100, n: 5 });
    expect(map.get("b")).toBeUndefined();
    expect(map.get("e")?.n).toBe(5);
    now = 100;
    expect(map.get("c")).toBeUndefined();
  });
});
