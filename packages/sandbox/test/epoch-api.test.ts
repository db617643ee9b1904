import { request as httpRequest } from "node:http";
import { createDocumentClient, DynamoApiKeyStore } from "@meridian/adapters";
import { ApiKeyHasher, createApiKey, type Epoch, systemClock } from "@meridian/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../src/issuer.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { type Client, client, errorOf, startTestSandbox } from "./support.ts";

let sandbox: Sandbox;
let api: Client;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  api = client(sandbox);
});
afterAll(() => sandbox.stop());

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("GET /", () => {
  it("records a visit and returns it as JSON by default", async () => {
    const before = Date.now() / 1000;

    const res = await api("/", { key: null });

    expect(res.status).toBe(200);
    const visit = (await res.json()) as Epoch;
    expect(visit.id).toMatch(UUID);
    expect(visit.ip).toBe("127.0.0.1");
    expect(visit.epoch).toBeGreaterThanOrEqual(Math.floor(before));
    const stored = await api(`/epochs/${visit.id}`);
    expect(await stored.json()).toEqual(visit);
  });

  it("returns a small HTML page when the browser asks for text/html", async () => {
    const res = await api("/", { key: null, headers: { accept: "text/html,application/xhtml+xml" } });

    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain("Visit recorded");
    expect(page).toContain("127.0.0.1");
  });
});

describe("POST /epoch", () => {
  it("records {id, epoch, ip} and answers 201 with a Location and a request id", async () => {
    const res = await api("/epoch", { method: "POST" });

    expect(res.status).toBe(201);
    const epoch = (await res.json()) as Epoch;
    expect(Object.keys(epoch).sort()).toEqual(["epoch", "id", "ip"]);
    expect(epoch.id).toMatch(UUID);
    expect(Math.abs(epoch.epoch - Date.now() / 1000)).toBeLessThan(60);
    expect(epoch.epoch % 1).not.toBe(0);
    expect(res.headers.get("location")).toBe(`/epochs/${epoch.id}`);
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });

  it("stores an optional label", async () => {
    const res = await api("/epoch", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ label: "deploy finished" }),
    });

    expect(res.status).toBe(201);
    const epoch = (await res.json()) as Epoch;
    expect(epoch.label).toBe("deploy finished");
    expect(await (await api(`/epochs/${epoch.id}`)).json()).toEqual(epoch);
  });

  it("takes the caller IP from the socket, never from X-Forwarded-For", async () => {
    const res = await api("/epoch", {
      method: "POST",
      headers: { "x-forwarded-for": "6.6.6.6", "x-real-ip": "7.7.7.7", forwarded: "for=8.8.8.8" },
    });

    expect(((await res.json()) as Epoch).ip).toBe("127.0.0.1");
  });

  it("returns the first record for a retry with the same Idempotency-Key and writes nothing new", async () => {
    const send = () => api("/epoch", { method: "POST", headers: { "idempotency-key": "order-42-attempt" } });

    const first = await send();
    const retries = await Promise.all([send(), send(), send()]);

    expect(first.status).toBe(201);
    const original = (await first.json()) as Epoch;
    for (const retry of retries) {
      expect(retry.status).toBe(201);
      expect(retry.headers.get("idempotent-replayed")).toBe("true");
      expect(await retry.json()).toEqual(original);
    }
    const page = (await (await api("/epochs?limit=100")).json()) as { items: Epoch[] };
    expect(page.items.filter((e) => e.id === original.id)).toHaveLength(1);
    expect(page.items.filter((e) => e.epoch === original.epoch && e.id !== original.id)).toHaveLength(0);
  });

  it("scopes Idempotency-Key to the API key that sent it", async () => {
    const db = createDocumentClient({ endpoint: sandbox.dynamodbEndpoint });
    const { key: other } = await createApiKey(
      {
        apiKeys: new DynamoApiKeyStore(db, sandbox.config.tables.apiKeys),
        hasher: new ApiKeyHasher(sandbox.config.appSecret),
        clock: systemClock,
      },
      { name: "other client" },
    );
    const headers = { "idempotency-key": "shared-key" };

    const mine = (await (await api("/epoch", { method: "POST", headers })).json()) as Epoch;
    const theirs = (await (await api("/epoch", { method: "POST", headers, key: other })).json()) as Epoch;

    expect(theirs.id).not.toBe(mine.id);
    db.destroy();
  });

  it("refuses an Idempotency-Key reused with a different body (422)", async () => {
    const headers = { "idempotency-key": "k-body", "content-type": "application/json" };
    await api("/epoch", { method: "POST", headers, body: JSON.stringify({ label: "a" }) });

    const res = await api("/epoch", { method: "POST", headers, body: JSON.stringify({ label: "b" }) });

    expect(res.status).toBe(422);
    expect((await errorOf(res)).code).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

describe("GET /epochs?mine=true", () => {
  it("lists only the calling key's epochs, idempotent ones included, in pages bound to that key", async () => {
    const db = createDocumentClient({ endpoint: sandbox.dynamodbEndpoint });
    const { key: other } = await createApiKey(
      {
        apiKeys: new DynamoApiKeyStore(db, sandbox.config.tables.apiKeys),
        hasher: new ApiKeyHasher(sandbox.config.appSecret),
        clock: systemClock,
      },
      { name: "mine listing" },
    );
    db.destroy();
    const record = async (headers: Record<string, string> = {}) =>
      (await (await api("/epoch", { method: "POST", headers, key: other })).json()) as Epoch;
    const written = [await record(), await record({ "idempotency-key": "mine-1" }), await record()];
    await api("/epoch", { method: "POST" }); // the default key's
    await api("/"); // a visit: no key

    const first = await api("/epochs?mine=true&limit=2", { key: other });
    const firstPage = (await first.json()) as { items: Epoch[]; nextCursor: string | null };
    const cursor = encodeURIComponent(firstPage.nextCursor ?? "");
    const rest = (await (await api(`/epochs?mine=true&limit=2&cursor=${cursor}`, { key: other })).json()) as {
      items: Epoch[];
      nextCursor: string | null;
    };
    const asDefaultKey = await api(`/epochs?mine=true&limit=2&cursor=${cursor}`);
    const inFullListing = await api(`/epochs?limit=2&cursor=${cursor}`, { key: other });
    const badFlag = await api("/epochs?mine=yes", { key: other });

    expect(first.status).toBe(200);
    expect([...firstPage.items, ...rest.items].map((e) => e.id)).toEqual(written.map((e) => e.id).reverse());
    expect(rest.nextCursor).toBeNull();
    expect(asDefaultKey.status).toBe(400);
    expect((await errorOf(asDefaultKey)).code).toBe("INVALID_CURSOR");
    expect(inFullListing.status).toBe(400);
    expect(badFlag.status).toBe(400);
    expect((await errorOf(badFlag)).message.startsWith("mine:")).toBe(true);
  });
});

describe("signed-in users record and read epochs with their token", () => {
  const bearer = async (sub: string) => ({
    authorization: `Bearer ${await signLocalToken(sandbox.issuerKey, { issuer: sandbox.config.jwt.issuer, role: "customer", sub })}`,
  });

  it("records with a bearer token, lists its own with mine=true, and scopes Idempotency-Key to the user", async () => {
    const alice = await bearer("alice-epochs");
    const bob = await bearer("bob-epochs");
    const post = (headers: Record<string, string>) => api("/epoch", { method: "POST", key: null, headers });

    const first = await post({ ...alice, "idempotency-key": "same" });
    const retried = await post({ ...alice, "idempotency-key": "same" });
    const bobs = await post({ ...bob, "idempotency-key": "same" });
    const mine = await api("/epochs?mine=true", { key: null, headers: alice });
    const all = await api("/epochs?limit=5", { key: null, headers: bob });
    const one = await api(`/epochs/${((await first.clone().json()) as Epoch).id}`, {
      key: null,
      headers: bob,
    });
    const admin = {
      authorization: `Bearer ${await signLocalToken(sandbox.issuerKey, { issuer: sandbox.config.jwt.issuer, role: "admin", sub: "ada" })}`,
    };
    const asAdmin = await api("/epochs?limit=5", { key: null, headers: admin });

    expect(first.status).toBe(201);
    const recorded = (await first.json()) as Epoch;
    expect(retried.headers.get("idempotent-replayed")).toBe("true");
    expect(((await retried.json()) as Epoch).id).toBe(recorded.id);
    expect(((await bobs.json()) as Epoch).id).not.toBe(recorded.id);
    expect(((await mine.json()) as { items: Epoch[] }).items.map((e) => e.id)).toEqual([recorded.id]);
    // Customers sign up themselves: every epoch, with its IP, is for API keys and admins.
    expect(all.status).toBe(403);
    expect((await errorOf(all)).message).toContain("mine=true");
    expect(one.status).toBe(403);
    expect(asAdmin.status).toBe(200);
    expect(((await asAdmin.json()) as { items: Epoch[] }).items.map((e) => e.id)).toContain(recorded.id);
  });

  it("checks an API key as an API key even when a token comes with it", async () => {
    const res = await api("/epoch", {
      method: "POST",
      key: "mk_not-a-key",
      headers: await bearer("carol-epochs"),
    });

    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("API_KEY_INVALID");
  });

  it("refuses a caller with neither, naming both, and a bad token as a token", async () => {
    const none = await api("/epoch", { method: "POST", key: null });
    const badToken = await api("/epochs?mine=true", {
      key: null,
      headers: { authorization: "Bearer a.b.c" },
    });

    expect(none.status).toBe(401);
    expect((await errorOf(none)).message).toMatch(/x-api-key.*Bearer/);
    expect(badToken.status).toBe(401);
    expect((await errorOf(badToken)).code).toBe("TOKEN_INVALID");
  });
});

describe("a body streamed without a length", () => {
  it("is refused with 413 once it passes 64 KiB, without waiting for the rest", async () => {
    // Prepare: a chunked POST that sends 1 MiB and then never ends its body.
    const { hostname, port } = new URL(sandbox.url);
    const request = httpRequest({
      hostname,
      port,
      path: "/epoch",
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": sandbox.devApiKey },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      request.on("response", (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      });
      request.on("error", reject);
    });

    // Act
    request.write('{"label":"');
    for (let i = 0; i < 64; i++) request.write("x".repeat(16 * 1024));
    const { status, body } = await answered;
    request.destroy();

    // Assess
    expect(status).toBe(413);
    expect(JSON.parse(body).error.code).toBe("PAYLOAD_TOO_LARGE");
  });
});

describe("bad input", () => {
  it("refuses a revoked API key at once when the key cache is off", async () => {
    const db = createDocumentClient({ endpoint: sandbox.dynamodbEndpoint });
    const apiKeys = new DynamoApiKeyStore(db, sandbox.config.tables.apiKeys);
    const { key, summary } = await createApiKey(
      { apiKeys, hasher: new ApiKeyHasher(sandbox.config.appSecret), clock: systemClock },
      { name: "to revoke" },
    );
    expect((await api("/epochs", { key })).status).toBe(200);

    await apiKeys.revoke(summary.id, new Date().toISOString());
    const res = await api("/epochs", { key });

    expect(res.status).toBe(401);
    expect((await errorOf(res)).code).toBe("API_KEY_INVALID");
    db.destroy();
  });

  it("keeps a client-chosen X-Request-Id for correlation", async () => {
    const res = await api("/health", { headers: { "x-request-id": "trace-abc-123" } });

    expect(res.headers.get("x-request-id")).toBe("trace-abc-123");
  });
});

describe("health and docs", () => {
  it("answers liveness and readiness", async () => {
    expect(await (await api("/health", { key: null })).json()).toEqual({ status: "ok" });
    expect(await (await api("/health/ready", { key: null })).json()).toEqual({ status: "ok" });
  });

  it("takes a trailing slash as the same path, as the Lambda function does", async () => {
    const health = await api("/health/", { key: null });
    const post = await api("/health/", { method: "POST", key: null });

    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
  });

  it("serves an OpenAPI 3.1 document generated from the route schemas", async () => {
    const doc = (await (await api("/openapi.json", { key: null })).json()) as {
      openapi: string;
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { type: string }> };
    };

    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/",
      "/epoch",
      "/epochs",
      "/epochs/{id}",
      "/health",
      "/health/ready",
      "/metrics",
      "/orders",
      "/orders/cancel",
      "/orders/{id}",
      "/orders/{id}/cancel",
      "/products",
      "/products/{id}",
      "/products/{id}/images",
      "/products/{id}/images/{imageId}",
      "/products/{id}/stock",
    ]);
    expect(Object.keys(doc.paths["/epoch"] ?? {})).toEqual(["post"]);
    expect(doc.components.schemas).toHaveProperty("Epoch");
    expect(doc.components.schemas).toHaveProperty("RecordEpochBody");
    expect(doc.components.schemas).toHaveProperty("Error");
    // Every scheme an operation names is defined.
    const named = Object.values(doc.paths).flatMap((item) =>
      Object.values(item).flatMap((op) =>
        ((op as { security?: Record<string, unknown>[] }).security ?? []).flatMap(Object.keys),
      ),
    );
    expect(new Set(named)).toEqual(new Set(["ApiKey", "Bearer"]));
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["ApiKey", "Bearer"]);
  });

  it("says on every operation that reaches a dependency that a 503 may have written, and how to retry", async () => {
    const doc = (await (await api("/openapi.json", { key: null })).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
    };

    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ at: `${method} ${path}`, op })),
    );
    expect(operations.length).toBeGreaterThan(10);
    // GET /health reads nothing (liveness), so it cannot run out of the budget: no 503.
    expect(operations.find(({ at }) => at === "get /health")?.op.responses).not.toHaveProperty("503");
    for (const { at, op } of operations.filter(({ at }) => at !== "get /health")) {
      expect(op.responses["503"]?.description, at).toMatch(
        /may or may not have been made.*same `Idempotency-Key`/s,
      );
    }
    // POST /epoch keeps what it says about its own 503 too.
    expect(doc.paths["/epoch"]?.post?.responses["503"]?.description).toMatch(/^Database unavailable/);
  });

  it("serves the reference page at /docs: Swagger UI, from this server, rendering /openapi.json", async () => {
    const res = await api("/docs", { key: null });

    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('data-openapi="/openapi.json"');
    const script = page.match(/<script src="(\/docs\/swagger-ui-[\d.]+\/swagger-ui-bundle\.js)">/)?.[1];
    const renderer = await api(script ?? "(no renderer script)", { key: null });
    expect(renderer.status).toBe(200);
    expect(renderer.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await renderer.text()).toContain("SwaggerUIBundle");
  });
});
