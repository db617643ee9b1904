import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { prepareFunctionEnvironment } from "./fixtures/environment.ts";
import { httpApiV2Event } from "./fixtures/http-api-v2.ts";
import { lambdaContext } from "./fixtures/lambda-context.ts";

type Handler = typeof import("../src/http/handler.ts")["handler"];

const AUDIENCE = "sign-in-test-client";
const run = promisify(execFile);
let handler: Handler;
let issuer: string;
let jwks: Server;
let sign: (claims: Record<string, unknown>) => Promise<string>;

/**
 * The HTTP function verifies bearer tokens against the issuer's JWKS, fetched over HTTP on first use. The
 * function runs Hono on the lite fetch classes (decision 0007) while jose's fetch is Node's own: this
 * checks the two meet, against a real JWKS server on loopback.
 */
beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  jwks = createServer((req, res) => {
    const found = req.url === "/issuer/.well-known/jwks.json";
    res.writeHead(found ? 200 : 404, { "content-type": "application/json" });
    res.end(found ? JSON.stringify({ keys: [jwk] }) : "{}");
  });
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/issuer`;
  sign = (claims) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setIssuer(issuer)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);

  await prepareFunctionEnvironment("sign-in", "functions-sign-in-test-secret-0123456789");
  vi.stubEnv("JWT_ISSUER", issuer);
  vi.stubEnv("JWT_AUDIENCE", AUDIENCE);
  vi.stubEnv("TRACING_ENABLED", undefined);
  ({ handler } = await import("../src/http/handler.ts"));
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise((resolve) => jwks.close(resolve));
});

async function listOrders(token: string) {
  const event = httpApiV2Event(
    { method: "GET", path: "/orders", headers: { authorization: `Bearer ${token}` } },
    "signInTest=",
  );
  const result = await handler(event as unknown as Parameters<Handler>[0], lambdaContext());
  return { status: result.statusCode, body: JSON.parse(result.body) as unknown };
}

describe("HTTP function sign-in", () => {
  it("accepts a customer's access token checked against the issuer's JWKS", async () => {
    const token = await sign({ sub: "customer-1", token_use: "access", client_id: AUDIENCE });

    const reply = await listOrders(token);

    expect(reply).toEqual({ status: 200, body: { items: [], nextCursor: null } });
  });

  it("rejects a token for another client with 401", async () => {
    const token = await sign({ sub: "customer-1", token_use: "access", client_id: "someone-else" });

    const reply = await listOrders(token);

    expect(reply.status).toBe(401);
  });

  it("verifies a token in a fresh process without loading undici (the key set is read over node:http)", async () => {
    // Prepare: a customer's token; POST /products then stops at the admin check, after verification.
    const token = await sign({ sub: "customer-1", token_use: "access", client_id: AUDIENCE });
    const script = fileURLToPath(new URL("./fixtures/signed-in-request.ts", import.meta.url));

    // Act: asynchronously, so this process's key-set server can answer the child.
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      env: { ...process.env, TEST_TOKEN: token },
      encoding: "utf8",
      timeout: 20_000,
    });

    // Assess
    expect(stderr).toBe("");
    const result = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as {
      status: number;
      body: string;
      undici: string[];
    };
    expect(result.status).toBe(403);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: "FORBIDDEN" } });
    expect(result.undici).toEqual([]);
  });
});
