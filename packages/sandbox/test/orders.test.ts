import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@meridian/adapters";
import { orderInsert, streamEvent } from "@meridian/adapters/testing";
import { createLogger, MetricsEmitter, type Order, type Product } from "@meridian/core";
import { createOrderStreamHandler } from "@meridian/functions";
import type { Context } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../src/issuer.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { errorOf, startTestSandbox } from "./support.ts";

let sandbox: Sandbox;
let admin: string;

const token = (role: "admin" | "customer", sub: string) =>
  signLocalToken(sandbox.issuerKey, { issuer: sandbox.config.jwt.issuer, role, sub });

async function call<T = unknown>(
  path: string,
  bearer: string,
  body?: unknown,
  method = body ? "POST" : "GET",
) {
  const res = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { res, json: () => res.json() as Promise<T> };
}

async function newProduct(stock: number, price = 1_000): Promise<Product> {
  const { res, json } = await call<Product>("/products", admin, {
    name: `Product ${stock}`,
    description: "",
    price,
    currency: "EUR",
    stock,
  });
  expect(res.status).toBe(201);
  return json();
}

const stockOf = async (id: string) =>
  ((await (await fetch(`${sandbox.url}/products/${id}`)).json()) as Product).stock;
const orderOf = async (id: string, bearer: string) => (await call<Order>(`/orders/${id}`, bearer)).json();

beforeAll(async () => {
  sandbox = await startTestSandbox();
  admin = await token("admin", "admin-1");
});
afterAll(() => sandbox.stop());

describe("orders", () => {
  it("prices an order from the catalog, answers 202 PENDING, then confirms it", async () => {
    const product = await newProduct(5, 2_500);
    const alice = await token("customer", "alice");

    const { res, json } = await call<Order>("/orders", alice, {
      lines: [{ productId: product.id, quantity: 2 }],
    });
    const placed = await json();
    await sandbox.orderStream?.drain();

    expect(res.status).toBe(202);
    expect(placed).toMatchObject({ status: "PENDING", customerId: "alice", total: 5_000, currency: "EUR" });
    expect(placed.lines).toEqual([{ productId: product.id, quantity: 2, unitPrice: 2_500 }]);
    expect(await orderOf(placed.id, alice)).toMatchObject({ status: "CONFIRMED" });
    expect(await stockOf(product.id)).toBe(3);
  });

  it("never oversells: 50 concurrent orders for 10 in stock → 10 CONFIRMED, 40 REJECTED, stock 0", async () => {
    const product = await newProduct(10);
    const customers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => token("customer", `buyer-${i}`)),
    );

    const placed = await Promise.all(
      customers.map(async (bearer) => {
        const { res, json } = await call<Order>("/orders", bearer, {
          lines: [{ productId: product.id, quantity: 1 }],
        });
        expect(res.status).toBe(202);
        return { bearer, order: await json() };
      }),
    );
    await sandbox.orderStream?.drain();

    const final = await Promise.all(placed.map(({ bearer, order }) => orderOf(order.id, bearer)));
    const byStatus = (status: string) => final.filter((o) => o.status === status);
    expect(byStatus("CONFIRMED")).toHaveLength(10);
    expect(byStatus("REJECTED")).toHaveLength(40);
    for (const rejected of byStatus("REJECTED")) {
      expect(rejected).toMatchObject({ reason: "OUT_OF_STOCK", reasonDetail: product.id });
    }
    expect(await stockOf(product.id)).toBe(0);
  });

  it("keeps every product's stock = start − confirmed + cancelled across mixed multi-line orders", async () => {
    const products = await Promise.all([newProduct(7), newProduct(12), newProduct(4)]);
    const start = new Map(products.map((p) => [p.id, p.stock]));
    const buyers = await Promise.all(Array.from({ length: 24 }, (_, i) => token("customer", `mixed-${i}`)));

    const placed = await Promise.all(
      buyers.map(async (bearer, i) => {
        const lines = products
          .filter((_, p) => (i + p) % 3 !== 0)
          .map((p, n) => ({ productId: p.id, quantity: 1 + ((i + n) % 3) }));
        const { json } = await call<Order>("/orders", bearer, { lines });
        return { bearer, order: await json() };
      }),
    );
    // Cancel a third of them, some while still PENDING, some after confirmation.
    await Promise.all(
      placed
        .filter((_, i) => i % 3 === 0)
        .map(({ bearer, order }) => call(`/orders/${order.id}/cancel`, bearer, {})),
    );
    await sandbox.orderStream?.drain();
    await Promise.all(
      placed
        .filter((_, i) => i % 3 === 1)
        .map(({ bearer, order }) => call(`/orders/${order.id}/cancel`, bearer, {})),
    );

    const final = await Promise.all(placed.map(({ bearer, order }) => orderOf(order.id, bearer)));
    expect(final.filter((o) => o.status === "PENDING")).toEqual([]);
    for (const product of products) {
      const held = final
        .filter((o) => o.status === "CONFIRMED")
        .flatMap((o) => o.lines)
        .filter((l) => l.productId === product.id)
        .reduce((sum, l) => sum + l.quantity, 0);
      const stock = await stockOf(product.id);
      expect(stock).toBeGreaterThanOrEqual(0);
      expect(stock).toBe((start.get(product.id) ?? 0) - held);
    }
    expect(final.some((o) => o.status === "CANCELLED")).toBe(true);
  });

  it("gives stock back exactly once however often a confirmed order is cancelled", async () => {
    const product = await newProduct(6);
    const bob = await token("customer", "bob");
    const { json } = await call<Order>("/orders", bob, { lines: [{ productId: product.id, quantity: 4 }] });
    const order = await json();
    await sandbox.orderStream?.drain();
    expect(await stockOf(product.id)).toBe(2);

    const cancels = await Promise.all(
      Array.from({ length: 5 }, () => call<Order>(`/orders/${order.id}/cancel`, bob, {})),
    );

    for (const { res } of cancels) expect(res.status).toBe(200);
    expect(await stockOf(product.id)).toBe(6);
    expect(await orderOf(order.id, bob)).toMatchObject({ status: "CANCELLED" });
  });

  it("hides other customers' orders (404) and refuses to let them cancel", async () => {
    const product = await newProduct(3);
    const carol = await token("customer", "carol");
    const dave = await token("customer", "dave");
    const { json } = await call<Order>("/orders", carol, { lines: [{ productId: product.id, quantity: 1 }] });
    const order = await json();

    const read = await call(`/orders/${order.id}`, dave);
    const cancel = await call(`/orders/${order.id}/cancel`, dave, {});
    const list = await (await call<{ items: Order[] }>("/orders", dave)).json();

    expect(read.res.status).toBe(404);
    expect(cancel.res.status).toBe(404);
    expect(list.items.map((o) => o.id)).not.toContain(order.id);
    expect((await call(`/orders/${order.id}`, admin)).res.status).toBe(200);
  });

  it("lists a customer's orders newest first and all orders by status for admins", async () => {
    const product = await newProduct(100);
    const erin = await token("customer", "erin");
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push(
        (
          await (
            await call<Order>("/orders", erin, { lines: [{ productId: product.id, quantity: 1 }] })
          ).json()
        ).id,
      );
    }
    await sandbox.orderStream?.drain();

    const mine = await (
      await call<{ items: Order[]; nextCursor: string | null }>("/orders?limit=2", erin)
    ).json();
    const confirmed = await (
      await call<{ items: Order[] }>("/orders?status=CONFIRMED&limit=100", admin)
    ).json();

    expect(mine.items.map((o) => o.id)).toEqual([ids[2], ids[1]]);
    expect(mine.nextCursor).not.toBeNull();
    expect(confirmed.items.every((o) => o.status === "CONFIRMED")).toBe(true);
    expect(confirmed.items.map((o) => o.id)).toEqual(expect.arrayContaining(ids));
  });

  it("makes a retried POST /orders with the same Idempotency-Key return the first order", async () => {
    const product = await newProduct(10);
    const fay = await token("customer", "fay");
    const send = () =>
      fetch(`${sandbox.url}/orders`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${fay}`,
          "content-type": "application/json",
          "idempotency-key": "cart-9",
        },
        body: JSON.stringify({ lines: [{ productId: product.id, quantity: 2 }] }),
      });

    const [a, b] = [await send(), await send()];
    await sandbox.orderStream?.drain();

    expect(((await b.json()) as Order).id).toBe(((await a.json()) as Order).id);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(await stockOf(product.id)).toBe(8);
  });

  it("refuses a malformed Idempotency-Key on POST /orders with a 400 naming the header, placing nothing", async () => {
    const product = await newProduct(5);
    const hal = await token("customer", "hal");
    const res = await fetch(`${sandbox.url}/orders`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${hal}`,
        "content-type": "application/json",
        "idempotency-key": "cart 10",
      },
      body: JSON.stringify({ lines: [{ productId: product.id, quantity: 1 }] }),
    });

    expect(res.status).toBe(400);
    const { error } = (await res.json()) as {
      error: { code: string; message: string; details: { issues: { field: string; message: string }[] } };
    };
    expect(error.code).toBe("VALIDATION_FAILED");
    expect(error.details.issues).toEqual([
      { field: "Idempotency-Key", message: "visible ASCII characters only" },
    ]);
    await sandbox.orderStream?.drain();
    expect(await stockOf(product.id)).toBe(5);
  });

  it("rejects bad order bodies naming the field, and unknown products with 422", async () => {
    const gus = await token("customer", "gus");
    const product = await newProduct(1);

    const empty = await call("/orders", gus, { lines: [] });
    const tooMany = await call("/orders", gus, { lines: [{ productId: product.id, quantity: 101 }] });
    const twice = await call("/orders", gus, {
      lines: [
        { productId: product.id, quantity: 1 },
        { productId: product.id, quantity: 1 },
      ],
    });
    const unknown = await call("/orders", gus, {
      lines: [{ productId: "01890000-0000-7000-8000-000000000000", quantity: 1 }],
    });
    const priced = await call("/orders", gus, {
      lines: [{ productId: product.id, quantity: 1, unitPrice: 1 }],
    });

    expect(empty.res.status).toBe(400);
    expect((await errorOf(empty.res)).message).toMatch(/^lines:/);
    expect((await errorOf(tooMany.res)).message).toMatch(/^lines\.0\.quantity:/);
    expect((await errorOf(twice.res)).message).toMatch(/^lines\.1\.productId:/);
    expect(unknown.res.status).toBe(422);
    expect((await errorOf(unknown.res)).code).toBe("UNKNOWN_PRODUCT");
    expect((await errorOf(priced.res)).message).toMatch(/^lines\.0\.unitPrice:/);
  });
});

describe("order stream processing", () => {
  it("changes nothing when a processed batch is delivered again", async () => {
    const product = await newProduct(5);
    const hal = await token("customer", "hal");
    const order = await (
      await call<Order>("/orders", hal, { lines: [{ productId: product.id, quantity: 3 }] })
    ).json();
    await sandbox.orderStream?.drain();
    const before = await orderOf(order.id, hal);
    const handler = createOrderStreamHandler(
      { tables: sandbox.config.tables, dynamodbEndpoint: sandbox.dynamodbEndpoint },
      {
        logger: createLogger({ service: "order-stream", sink: () => {} }),
        metrics: new MetricsEmitter(() => {}),
      },
    );
    const event = streamEvent(orderInsert(order, { sequenceNumber: "100" }));

    const result = await handler(event, {} as Context, () => {});

    expect(result).toEqual({ batchItemFailures: [] });
    expect(await orderOf(order.id, hal)).toEqual(before);
    expect(before.status).toBe("CONFIRMED");
    expect(await stockOf(product.id)).toBe(2);
  });

  it("sends a poison record to the dead-letter destination and processes the rest of its batch", async () => {
    const product = await newProduct(10);
    const ivy = await token("customer", "ivy");
    const db = createDocumentClient({ endpoint: sandbox.dynamodbEndpoint });
    const poisonId = "01890000-0000-7000-8000-00000000dead";
    const discardedBefore = sandbox.orderStream?.discarded.length ?? 0;

    const first = await (
      await call<Order>("/orders", ivy, { lines: [{ productId: product.id, quantity: 1 }] })
    ).json();
    await db.send(
      new PutCommand({
        TableName: sandbox.config.tables.orders,
        // PENDING, so the filter lets it through, but not an order the processor can read.
        Item: {
          pk: `ORDER#${poisonId}`,
          id: poisonId,
          status: "PENDING",
          customerId: "ivy",
          lines: "garbage",
        },
      }),
    );
    const last = await (
      await call<Order>("/orders", ivy, { lines: [{ productId: product.id, quantity: 2 }] })
    ).json();
    await sandbox.orderStream?.drain(60_000);
    db.destroy();

    expect(await orderOf(first.id, ivy)).toMatchObject({ status: "CONFIRMED" });
    expect(await orderOf(last.id, ivy)).toMatchObject({ status: "CONFIRMED" });
    const discarded = sandbox.orderStream?.discarded.slice(discardedBefore) ?? [];
    expect(discarded).toHaveLength(1);
    // Lambda retries a partial failure from the failed record onwards, so the destination gets the poison
    // record and possibly records after it that were already processed (a redrive skips those).
    expect(JSON.stringify(discarded[0]?.records[0])).toContain(poisonId);
    expect(JSON.stringify(discarded[0])).not.toContain(first.id);
    expect(await stockOf(product.id)).toBe(7);
  });
});
