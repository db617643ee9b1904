import type { Order, Product } from "@meridian/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../src/issuer.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { errorOf, startTestSandbox } from "./support.ts";

// Small limits, so that each is reached in a few requests: 3 open orders a day, 5 units of a product, 4 a minute.
const LIMITS = { openOrdersPerDay: 3, unitsPerProductPerDay: 5, ordersPerMinute: 4 };

let sandbox: Sandbox;
let admin: string;

const token = (role: "admin" | "customer", sub: string) =>
  signLocalToken(sandbox.issuerKey, { issuer: sandbox.config.jwt.issuer, role, sub });

async function call(path: string, bearer: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res;
}

async function newProduct(stock: number): Promise<Product> {
  const res = await call("/products", admin, {
    name: "Lamp",
    description: "",
    price: 900,
    currency: "EUR",
    stock,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Product;
}

const place = (bearer: string, productId: string, quantity = 1, headers: Record<string, string> = {}) =>
  call("/orders", bearer, { lines: [{ productId, quantity }] }, headers);
const stockOf = async (id: string) =>
  ((await (await fetch(`${sandbox.url}/products/${id}`)).json()) as Product).stock;
const statusOf = async (id: string, bearer: string) =>
  ((await (await call(`/orders/${id}`, bearer)).json()) as Order).status;

beforeAll(async () => {
  sandbox = await startTestSandbox({ orderLimits: LIMITS });
  admin = await token("admin", "limits-admin");
});
afterAll(() => sandbox.stop());

describe("per-customer order limits", () => {
  it("lets exactly the day's limit of 20 concurrent orders from one customer in, and refuses the rest with a 4xx that says why", async () => {
    // Prepare
    const product = await newProduct(100);
    const greedy = await token("customer", "greedy");

    // Act
    const answers = await Promise.all(Array.from({ length: 20 }, () => place(greedy, product.id)));

    // Assess
    const statuses = answers.map((res) => res.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(LIMITS.openOrdersPerDay);
    const refused = answers.filter((res) => res.status !== 202);
    for (const res of refused) expect([409, 429]).toContain(res.status);
    const codes = new Set(await Promise.all(refused.map(async (res) => (await errorOf(res)).code)));
    expect([...codes].every((code) => code === "ORDER_LIMIT_REACHED" || code === "TOO_MANY_ORDERS")).toBe(
      true,
    );
    await sandbox.orderStream?.drain();
    expect(await stockOf(product.id)).toBe(100 - LIMITS.openOrdersPerDay);
    const listed = (await (await call("/orders", greedy)).json()) as { items: Order[] };
    expect(listed.items).toHaveLength(LIMITS.openOrdersPerDay);
  });

  it("caps the units of one product across the day's open orders, and a cancelled order gives its units back", async () => {
    // Prepare
    const product = await newProduct(50);
    const carol = await token("customer", "carol-units");
    const first = (await (await place(carol, product.id, 3)).json()) as Order;

    // Act
    const tooMany = await place(carol, product.id, 3);
    const cancelled = await call(`/orders/${first.id}/cancel`, carol, {});
    const again = await place(carol, product.id, 5);

    // Assess
    expect(tooMany.status).toBe(409);
    const refusal = (await tooMany.json()) as { error: { code: string; message: string; details: unknown } };
    expect(refusal.error).toMatchObject({
      code: "ORDER_LIMIT_REACHED",
      details: { limit: "unitsPerProductPerDay", max: 5, productId: product.id, held: 3 },
    });
    expect(refusal.error.message).toContain(product.id);
    expect(cancelled.status).toBe(200);
    expect(again.status).toBe(202);
  });

  it("gives a rejected (out of stock) order's place back", async () => {
    // Prepare
    const soldOut = await newProduct(0);
    const inStock = await newProduct(10);
    const dan = await token("customer", "dan-rejected");
    const rejected = await Promise.all([
      place(dan, soldOut.id),
      place(dan, soldOut.id),
      place(dan, soldOut.id),
    ]);
    expect(rejected.map((res) => res.status)).toEqual([202, 202, 202]);
    await sandbox.orderStream?.drain();

    // Act
    const after = await place(dan, inStock.id);

    // Assess
    for (const res of rejected)
      expect(await statusOf(((await res.json()) as Order).id, dan)).toBe("REJECTED");
    expect(after.status).toBe(202);
  });

  it("limits orders per minute with 429 and Retry-After, even when each was cancelled", async () => {
    // Prepare
    const product = await newProduct(50);
    const erin = await token("customer", "erin-rate");
    for (let i = 0; i < LIMITS.ordersPerMinute; i++) {
      const order = (await (await place(erin, product.id)).json()) as Order;
      expect((await call(`/orders/${order.id}/cancel`, erin, {})).status).toBe(200);
    }

    // Act
    const res = await place(erin, product.id);

    // Assess
    expect(res.status).toBe(429);
    expect((await errorOf(res)).code).toBe("TOO_MANY_ORDERS");
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("answers the retry of a placed order (same Idempotency-Key) with that order, even at the limit", async () => {
    // Prepare
    const product = await newProduct(50);
    const fay = await token("customer", "fay-retry");
    const placed: Order[] = [];
    for (let i = 0; i < LIMITS.openOrdersPerDay; i++) {
      placed.push(
        (await (await place(fay, product.id, 1, { "idempotency-key": `fay-${i}` })).json()) as Order,
      );
    }

    // Act
    const retry = await place(fay, product.id, 1, { "idempotency-key": "fay-2" });
    const fresh = await place(fay, product.id, 1, { "idempotency-key": "fay-3" });

    // Assess
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(((await retry.json()) as Order).id).toBe(placed[2]?.id);
    expect(fresh.status).toBe(409);
  });
});

describe("POST /orders/cancel (admins)", () => {
  it("cancels every open order of one customer, gives the stock back once, and is safe to repeat", async () => {
    // Prepare
    const product = await newProduct(20);
    const hoarder = await token("customer", "hoarder");
    const other = await token("customer", "bystander");
    for (let i = 0; i < 3; i++) expect((await place(hoarder, product.id, 1)).status).toBe(202);
    const kept = (await (await place(other, product.id, 2)).json()) as Order;
    await sandbox.orderStream?.drain();
    expect(await stockOf(product.id)).toBe(15);

    // Act
    const first = await call("/orders/cancel", admin, { customerId: "hoarder" });
    const again = await call("/orders/cancel", admin, { customerId: "hoarder" });

    // Assess
    expect(first.status).toBe(200);
    const result = (await first.json()) as { cancelled: string[]; nextCursor: string | null };
    expect(result.cancelled).toHaveLength(3);
    expect(result.nextCursor).toBeNull();
    for (const id of result.cancelled) expect(await statusOf(id, hoarder)).toBe("CANCELLED");
    expect(await again.json()).toEqual({ cancelled: [], nextCursor: null });
    expect(await stockOf(product.id)).toBe(18);
    expect(await statusOf(kept.id, other)).toBe("CONFIRMED");
    // The hoarder's places came back too.
    expect((await place(hoarder, product.id, 1)).status).toBe(202);
  });

  it("is for admins only, and refuses a body without a customer", async () => {
    // Prepare
    const customer = await token("customer", "not-an-admin");

    // Act
    const forbidden = await call("/orders/cancel", customer, { customerId: "hoarder" });
    // The role first: a customer learns nothing of the body's schema.
    const forbiddenBadBody = await call("/orders/cancel", customer, { nonsense: true });
    const empty = await call("/orders/cancel", admin, {});
    const extra = await call("/orders/cancel", admin, { customerId: "x", all: true });

    // Assess
    expect(forbidden.status).toBe(403);
    expect(forbiddenBadBody.status).toBe(403);
    expect(empty.status).toBe(400);
    expect((await errorOf(empty)).code).toBe("VALIDATION_FAILED");
    expect(extra.status).toBe(400);
  });
});
