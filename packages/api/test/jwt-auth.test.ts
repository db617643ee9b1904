import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogger, type UserPrincipal } from "@meridian/core";
import { Hono } from "hono";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppEnv } from "../src/env.ts";
import { errorHandler } from "../src/error-handler.ts";
import { jwtAuth, MAX_TOKEN_AGE_SECONDS } from "../src/middleware/jwt-auth.ts";

const CLIENT_ID = "jwt-auth-test-client";
const SKEW_SECONDS = 5;

let jwks: Server;
let issuer = "";
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
let app: Hono<AppEnv>;

/** A signed-in route behind the middleware, on a real key-set server on loopback, with the one error handler. */
beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/issuer`;

  app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("requestId", "test");
    await next();
  });
  const signedIn = jwtAuth({
    issuer,
    audience: CLIENT_ID,
    jwksUrl: new URL(`${issuer}/.well-known/jwks.json`),
    clockToleranceSeconds: SKEW_SECONDS,
  });
  app.get("/me", signedIn, (c) => c.json(c.get("user")));
  app.onError(errorHandler(createLogger({ service: "test", sink: () => undefined })));
});

afterAll(async () => {
  jwks.closeAllConnections();
  await new Promise((resolve) => jwks.close(resolve));
});

const now = () => Math.floor(Date.now() / 1000);

/**
 * A token from the test issuer: a Cognito access token for CLIENT_ID, issued now, valid for an hour, unless
 * `claims` says otherwise (a claim set to `undefined` is left out).
 */
function token(claims: JWTPayload = {}): Promise<string> {
  const all: JWTPayload = {
    iss: issuer,
    sub: "customer-1",
    token_use: "access",
    client_id: CLIENT_ID,
    iat: now(),
    exp: now() + 3600,
    ...claims,
  };
  const present = Object.fromEntries(Object.entries(all).filter(([, value]) => value !== undefined));
  return new SignJWT(present).setProtectedHeader({ alg: "RS256", kid: "k1" }).sign(privateKey);
}

async function me(bearer: string) {
  const res = await app.request("/me", { headers: { authorization: `Bearer ${bearer}` } });
  return {
    status: res.status,
    body: (await res.json()) as UserPrincipal & { error?: { code: string; message: string } },
  };
}

/** Asserts `bad` is refused with 401 TOKEN_INVALID while `good`, the same token but for that claim, is let in. */
async function expectRefused(bad: JWTPayload, good: JWTPayload) {
  const accepted = await me(await token(good));
  const refused = await me(await token(bad));

  expect(accepted.status).toBe(200);
  expect(refused.status).toBe(401);
  expect(refused.body.error?.code).toBe("TOKEN_INVALID");
  return { accepted: accepted.body, refused: refused.body };
}

describe("jwtAuth: access tokens only", () => {
  it("refuses an ID token issued for this API (token_use id, aud = the client id)", async () => {
    const { refused } = await expectRefused(
      { token_use: "id", client_id: undefined, aud: CLIENT_ID },
      { token_use: "access" },
    );

    expect(refused.error?.message).toMatch(/access token/);
  });
});

describe("jwtAuth: claims by schema", () => {
  it("refuses an empty sub (with 401, not 500)", async () => {
    const { refused } = await expectRefused({ sub: "" }, { sub: "c" });

    expect(refused.error?.message).toBe("Token claim sub is malformed");
  });

  it("refuses a sub that is not a string", async () => {
    await expectRefused({ sub: 42 as unknown as string }, { sub: "42" });
  });

  it("refuses cognito:groups nested in an array instead of becoming admin", async () => {
    const { accepted } = await expectRefused(
      { "cognito:groups": [["admin"]] },
      { "cognito:groups": ["admin"] },
    );

    expect(accepted).toMatchObject({ role: "admin", groups: ["admin"] });
  });

  it("refuses cognito:groups that is a string, or holds anything but strings", async () => {
    await expectRefused({ "cognito:groups": "admin" }, { "cognito:groups": ["admin"] });
    await expectRefused({ "cognito:groups": [1] }, { "cognito:groups": ["1"] });
    await expectRefused({ "cognito:groups": [{ name: "admin" }] }, { "cognito:groups": [] });
  });

  it("refuses cognito:groups: null, and takes a token without the claim as a customer's", async () => {
    // Cognito leaves the claim out when the user is in no group.
    const { accepted } = await expectRefused({ "cognito:groups": null }, { "cognito:groups": undefined });

    expect(accepted).toEqual({ sub: "customer-1", groups: [], role: "customer" });
  });
});

describe("jwtAuth: iat", () => {
  it("refuses an iat in the future beyond the clock skew, and takes one within it", async () => {
    await expectRefused({ iat: now() + SKEW_SECONDS + 60 }, { iat: now() + SKEW_SECONDS - 2 });
  });

  it(`refuses a token older than ${MAX_TOKEN_AGE_SECONDS} s since its iat, whatever its exp says`, async () => {
    await expectRefused(
      { iat: now() - MAX_TOKEN_AGE_SECONDS - 60 },
      { iat: now() - MAX_TOKEN_AGE_SECONDS + 60 },
    );
  });

  it("refuses a token without iat", async () => {
    await expectRefused({ iat: undefined }, {});
  });
});
