import { BUDGETS, type Order, type Product } from "@meridian/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynamoDbLocal, startDynamoDbLocal } from "../src/dynamodb/index.ts";
import { signLocalToken } from "../src/issuer.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { startTestSandbox } from "./support.ts";

// A DynamoDB Local of this file's own: it is frozen with SIGSTOP, which the run's shared engine must not be.
let engine: DynamoDbLocal;
let sandbox: Sandbox;
let alice: string;
let product: Product;

/** The documented bound (BUDGETS.http.requestMs) plus room for a loaded 2-core machine. */
const BOUND_MS = BUDGETS.http.requestMs + 1_500;

async function timed(path: string, init: RequestInit) {
  const started = performance.now();
  const res = await fetch(`${sandbox.url}${path}`, init);
  const body = await res.text();
  return { res, body, ms: performance.now() - started };
}

const epochPost = (key: string) => ({
  method: "POST",
  headers: { "x-api-key": sandbox.devApiKey, "idempotency-key": key },
});
const orderPost = (key: string) => ({
  method: "POST",
  headers: {
    authorization: `Bearer ${alice}`,
    "content-type": "application/json",
    "idempotency-key": key,
  },
  body: JSON.stringify({ lines: [{ productId: product.id, quantity: 1 }] }),
});

/** Runs `during` with the engine frozen (SIGSTOP), and always thaws it (SIGCONT). */
async function whileFrozen<T>(during: () => Promise<T>): Promise<T> {
  process.kill(engine.pid, "SIGSTOP");
  try {
    return await during();
  } finally {
    process.kill(engine.pid, "SIGCONT");
  }
}

beforeAll(async () => {
  engine = await startDynamoDbLocal();
  // API keys stay cached, so the stalled call is the write itself, not the key lookup before it.
  sandbox = await startTestSandbox({ dynamodbEndpoint: engine.endpoint, apiKeyCacheTtlSeconds: 300 });
  const token = (role: "admin" | "customer", sub: string) =>
    signLocalToken(sandbox.issuerKey, { issuer: sandbox.config.jwt.issuer, role, sub });
  alice = await token("customer", "alice");
  const created = await fetch(`${sandbox.url}/products`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await token("admin", "admin-1")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ name: "Lamp", description: "", price: 1_000, currency: "EUR", stock: 100 }),
  });
  product = (await created.json()) as Product;
  // Warm what a stall must not hide behind: the cached API key and the issuer's key set.
  expect(
    (await fetch(`${sandbox.url}/epochs?limit=1`, { headers: { "x-api-key": sandbox.devApiKey } })).status,
  ).toBe(200);
  expect(
    (await fetch(`${sandbox.url}/orders`, { headers: { authorization: `Bearer ${alice}` } })).status,
  ).toBe(200);
}, 60_000);

afterAll(async () => {
  await sandbox?.stop();
  await engine?.stop();
});

describe("a stalled DynamoDB (the engine frozen with SIGSTOP)", () => {
  it("answers 503 with Retry-After within the budget on a write, an order and a read", async () => {
    const [epoch, order, read] = await whileFrozen(() =>
      Promise.all([
        timed("/epoch", epochPost("stall-epoch-1")),
        timed("/orders", orderPost("stall-order-1")),
        timed("/epochs?limit=5", { headers: { "x-api-key": sandbox.devApiKey } }),
      ]),
    );

    for (const { res, body, ms } of [epoch, order, read]) {
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe(String(BUDGETS.http.retryAfterSeconds));
      expect(JSON.parse(body).error).toMatchObject({ code: "SERVICE_UNAVAILABLE" });
      expect(JSON.parse(body).error.requestId).toBe(res.headers.get("x-request-id"));
      expect(body).not.toMatch(/timeout|127\.0\.0\.1|ETIMEDOUT|stack/i);
      expect(ms).toBeLessThan(BOUND_MS);
    }
  });

  it("after the engine resumes, a retry with the same Idempotency-Key yields one record, never two", async () => {
    // What the previous test's frozen attempts wrote has landed by now; count from here.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const [epochsBefore, ordersBefore] = [await epochCount(), await orderCount()];
    // The frozen engine keeps these first attempts in its socket buffers: they may land on resume.
    const first = await whileFrozen(() =>
      Promise.all([
        timed("/epoch", epochPost("stall-epoch-2")),
        timed("/orders", orderPost("stall-order-2")),
      ]),
    );
    expect(first.map(({ res }) => res.status)).toEqual([503, 503]);

    const epochRetries = await Promise.all([1, 2].map(() => timed("/epoch", epochPost("stall-epoch-2"))));
    const orderRetries = await Promise.all([1, 2].map(() => timed("/orders", orderPost("stall-order-2"))));

    expect(epochRetries.map(({ res }) => res.status)).toEqual([201, 201]);
    expect(orderRetries.map(({ res }) => res.status)).toEqual([202, 202]);
    expect(new Set(epochRetries.map(({ body }) => (JSON.parse(body) as { id: string }).id)).size).toBe(1);
    expect(new Set(orderRetries.map(({ body }) => (JSON.parse(body) as Order).id)).size).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await epochCount()).toBe(epochsBefore + 1);
    expect(await orderCount()).toBe(ordersBefore + 1);
  });
});

async function epochCount(): Promise<number> {
  const res = await fetch(`${sandbox.url}/epochs?limit=100`, { headers: { "x-api-key": sandbox.devApiKey } });
  return ((await res.json()) as { items: unknown[] }).items.length;
}

async function orderCount(): Promise<number> {
  const res = await fetch(`${sandbox.url}/orders?limit=100`, {
    headers: { authorization: `Bearer ${alice}` },
  });
  return ((await res.json()) as { items: unknown[] }).items.length;
}
