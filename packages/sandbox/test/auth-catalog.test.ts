import { generateKeyPairSync } from "node:crypto";
import type { Product } from "@meridian/core";
import { type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ISSUER_PATH, LOCAL_AUDIENCE, type LocalIssuerKey, signLocalToken } from "../src/issuer.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { errorOf, startTestSandbox } from "./support.ts";

let sandbox: Sandbox;
let adminToken: string;
let customerToken: string;

const token = (role: "admin" | "customer", sub = `test-${role}`, ttlSeconds?: number) =>
  signLocalToken(sandbox.issuerKey, { issuer: sandbox.config.jwt.issuer, role, sub, ttlSeconds });

function call(path: string, bearer: string | null, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (bearer !== null) headers.set("authorization", `Bearer ${bearer}`);
  if (init.body) headers.set("content-type", "application/json");
  return fetch(`${sandbox.url}${path}`, { ...init, headers });
}

const productBody = {
  name: "Walnut desk",
  description: "Solid wood",
  price: 42_000,
  currency: "EUR",
  stock: 5,
};

beforeAll(async () => {
  sandbox = await startTestSandbox();
  adminToken = await token("admin");
  customerToken = await token("customer");
});
afterAll(() => sandbox.stop());

describe("sign-in", () => {
  it("serves the local issuer's JWKS", async () => {
    const res = await fetch(`${sandbox.url}${ISSUER_PATH}/.well-known/jwks.json`);

    const jwks = (await res.json()) as { keys: JWK[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", kid: sandbox.issuerKey.kid });
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });

  const unsigned = (claims: Record<string, unknown>) =>
    `${Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url")}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;

  const otherKey = (): LocalIssuerKey => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    return { kid: sandbox.issuerKey.kid, privateJwk: privateKey.export({ format: "jwk" }) as JWK };
  };

  const signWith = (claims: Record<string, unknown>, expires = "1h") =>
    new SignJWT({ token_use: "access", client_id: LOCAL_AUDIENCE, ...claims })
      .setProtectedHeader({ alg: "RS256", kid: sandbox.issuerKey.kid })
      .setIssuer(String(claims.iss ?? sandbox.config.jwt.issuer))
      .setSubject("mallory")
      .setIssuedAt()
      .setExpirationTime(expires);

  const bad: { name: string; token: () => Promise<string | null> }[] = [
    { name: "no token", token: async () => null },
    { name: "a malformed header value", token: async () => "not-a-jwt" },
    {
      name: "alg none",
      token: async () =>
        unsigned({
          iss: sandbox.config.jwt.issuer,
          sub: "mallory",
          token_use: "access",
          client_id: LOCAL_AUDIENCE,
          "cognito:groups": ["admin"],
          exp: Math.floor(Date.now() / 1000) + 3600,
        }),
    },
    {
      name: "a wrong signing key",
      token: () => signLocalToken(otherKey(), { issuer: sandbox.config.jwt.issuer, role: "admin", sub: "m" }),
    },
    {
      name: "a wrong issuer",
      token: () =>
        signLocalToken(sandbox.issuerKey, { issuer: "https://evil.example", role: "admin", sub: "m" }),
    },
    {
      name: "a wrong audience (client id)",
      token: async () => {
        const { importJWK } = await import("jose");
        return signWith({ client_id: "another-app" }).sign(
          await importJWK(sandbox.issuerKey.privateJwk, "RS256"),
        );
      },
    },
    {
      name: "an ID token for another audience",
      token: async () => {
        const { importJWK } = await import("jose");
        return signWith({ token_use: "id", client_id: undefined, aud: "another-app" }).sign(
          await importJWK(sandbox.issuerKey.privateJwk, "RS256"),
        );
      },
    },
    {
      name: "an empty sub (a 500 before claims were checked by schema)",
      token: async () => {
        const { importJWK } = await import("jose");
        return signWith({})
          .setSubject("")
          .sign(await importJWK(sandbox.issuerKey.privateJwk, "RS256"));
      },
    },
    {
      name: 'cognito:groups nested in an array ([["admin"]])',
      token: async () => {
        const { importJWK } = await import("jose");
        return signWith({ "cognito:groups": [["admin"]] }).sign(
          await importJWK(sandbox.issuerKey.privateJwk, "RS256"),
        );
      },
    },
    {
      name: "an expired token",
      token: async () => {
        const { importJWK } = await import("jose");
        return signWith({}, "-1 minute").sign(await importJWK(sandbox.issuerKey.privateJwk, "RS256"));
      },
    },
  ];

  it.each(bad)("refuses $name with 401", async ({ token: make }) => {
    const res = await call("/orders", await make());

    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("TOKEN_INVALID");
  });

  it("refuses an ID token issued for this API: access tokens only", async () => {
    const { importJWK } = await import("jose");
    const idToken = await signWith({ token_use: "id", client_id: undefined, aud: LOCAL_AUDIENCE }).sign(
      await importJWK(sandbox.issuerKey.privateJwk, "RS256"),
    );

    const res = await call("/orders", idToken);

    expect(res.status).toBe(401);
    const error = await errorOf(res);
    expect(error.code).toBe("TOKEN_INVALID");
    expect(error.message).toMatch(/access token/);
  });

  it("answers 403 when a customer acts as admin", async () => {
    const res = await call("/products", customerToken, { method: "POST", body: JSON.stringify(productBody) });

    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe("FORBIDDEN");
    expect((await call("/orders?status=PENDING", customerToken)).status).toBe(403);
  });
});

describe("catalog", () => {
  it("lets admins create products that everyone can read", async () => {
    const created = await call("/products", adminToken, {
      method: "POST",
      body: JSON.stringify(productBody),
    });

    expect(created.status).toBe(201);
    const product = (await created.json()) as Product;
    expect(product).toMatchObject({ ...productBody, version: 1, images: [] });
    expect(product.createdAt).toBe(product.updatedAt);
    const read = await call(`/products/${product.id}`, null);
    expect(await read.json()).toEqual(product);
  });

  it("validates product bodies and names the field", async () => {
    const res = await call("/products", adminToken, {
      method: "POST",
      body: JSON.stringify({ ...productBody, price: 12.5, currency: "euro" }),
    });

    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.message).toMatch(/^(price|currency):/);
  });

  it("pages through products with a cursor, publicly", async () => {
    for (let i = 0; i < 5; i++) {
      await call("/products", adminToken, {
        method: "POST",
        body: JSON.stringify({ ...productBody, name: `P${i}` }),
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = (await (await call(`/products?limit=2${query}`, null)).json()) as {
        items: Product[];
        nextCursor: string | null;
      };
      seen.push(...page.items.map((p) => p.id));
      cursor = page.nextCursor;
    } while (cursor);

    expect(seen.length).toBeGreaterThanOrEqual(6);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
  });

  it("updates with optimistic concurrency: a stale version gets 409", async () => {
    const product = (await (
      await call("/products", adminToken, { method: "POST", body: JSON.stringify(productBody) })
    ).json()) as Product;

    const first = await call(`/products/${product.id}`, adminToken, {
      method: "PATCH",
      body: JSON.stringify({ version: 1, price: 39_900 }),
    });
    const stale = await call(`/products/${product.id}`, adminToken, {
      method: "PATCH",
      body: JSON.stringify({ version: 1, name: "Oak desk" }),
    });

    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ price: 39_900, version: 2 });
    expect(stale.status).toBe(409);
    expect((await errorOf(stale)).code).toBe("VERSION_CONFLICT");
    expect(await (await call(`/products/${product.id}`, null)).json()).toMatchObject({
      name: "Walnut desk",
      version: 2,
    });
  });

  it("adjusts stock atomically and never below zero", async () => {
    const product = (await (
      await call("/products", adminToken, { method: "POST", body: JSON.stringify(productBody) })
    ).json()) as Product;

    const added = await call(`/products/${product.id}/stock`, adminToken, {
      method: "POST",
      body: '{"delta": 3}',
    });
    const tooMuch = await call(`/products/${product.id}/stock`, adminToken, {
      method: "POST",
      body: '{"delta": -9}',
    });

    expect(await added.json()).toMatchObject({ stock: 8 });
    expect(tooMuch.status).toBe(409);
    expect((await errorOf(tooMuch)).code).toBe("INSUFFICIENT_STOCK");
    expect(await (await call(`/products/${product.id}`, null)).json()).toMatchObject({ stock: 8 });
  });

  it("creates a product once for a retried Idempotency-Key, and refuses the key for another body", async () => {
    const send = (body: unknown) =>
      call("/products", adminToken, {
        method: "POST",
        headers: { "idempotency-key": "catalog-import-7" },
        body: JSON.stringify(body),
      });

    const first = await send(productBody);
    const retry = await send(productBody);
    const other = await send({ ...productBody, name: "Oak desk" });

    expect([first.status, retry.status]).toEqual([201, 201]);
    const [created, replayed] = [(await first.json()) as Product, (await retry.json()) as Product];
    expect(replayed).toEqual(created);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(other.status).toBe(422);
    expect((await errorOf(other)).code).toBe("IDEMPOTENCY_KEY_REUSED");
  });

  it("adds stock once for a retried Idempotency-Key; a refused removal holds no key", async () => {
    const product = (await (
      await call("/products", adminToken, { method: "POST", body: JSON.stringify(productBody) })
    ).json()) as Product;
    const adjust = (delta: number, key: string) =>
      call(`/products/${product.id}/stock`, adminToken, {
        method: "POST",
        headers: { "idempotency-key": key },
        body: JSON.stringify({ delta }),
      });

    const added = await adjust(3, "restock-1");
    const retried = await adjust(3, "restock-1");
    const reused = await adjust(4, "restock-1");
    const tooMuch = await adjust(-50, "remove-1");
    const afterRefusal = await adjust(-2, "remove-1");

    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({ stock: 8 });
    expect(retried.status).toBe(200);
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(await retried.json()).toMatchObject({ stock: 8 });
    expect(reused.status).toBe(422);
    expect(tooMuch.status).toBe(409);
    expect((await errorOf(tooMuch)).code).toBe("INSUFFICIENT_STOCK");
    expect(afterRefusal.status).toBe(200);
    expect(await (await call(`/products/${product.id}`, null)).json()).toMatchObject({ stock: 6 });
  });
});
