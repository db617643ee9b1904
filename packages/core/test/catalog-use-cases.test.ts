import {
  adjustStock,
  createCursorCodec,
  createProduct,
  getProduct,
  IdempotencyKeyReusedError,
  InsufficientStockError,
  InvalidCursorError,
  listProducts,
  NotFoundError,
  updateProduct,
  VersionConflictError,
} from "@meridian/core";
import { describe, expect, it } from "vitest";
import { fixedClock, InMemoryCatalogStore, NOW_MS, sequentialIds } from "./support/in-memory-stores.ts";

const SECRET = "unit-test-secret-that-is-long-enough";
const LAMP = { name: "Lamp", description: "", price: 500, currency: "EUR", stock: 3 };

function makeDeps() {
  return {
    catalog: new InMemoryCatalogStore(),
    clock: fixedClock(),
    ids: sequentialIds(),
    cursors: createCursorCodec(SECRET),
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the use case to fail");
}

describe("createProduct", () => {
  it("stores the product with an id for now, no images, version 1 and both timestamps", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const { product, replayed } = await createProduct(deps, LAMP);

    // Assess
    expect(replayed).toBe(false);
    expect(product).toEqual({
      id: "00000000-0000-7000-8000-000000000001",
      ...LAMP,
      images: [],
      version: 1,
      createdAt: "2026-12-04T12:00:00.000Z",
      updatedAt: "2026-12-04T12:00:00.000Z",
    });
    expect(deps.catalog.products.get(product.id)).toEqual(product);
  });

  it("answers an admin's retry with the first product and refuses the key for another body", async () => {
    // Prepare
    const deps = makeDeps();
    const first = await createProduct(deps, LAMP, { admin: "ops", key: "k1" });

    // Act
    const retry = await createProduct(deps, LAMP, { admin: "ops", key: "k1" });
    const reused = await rejection(createProduct(deps, { ...LAMP, price: 600 }, { admin: "ops", key: "k1" }));
    const otherAdmin = await createProduct(deps, LAMP, { admin: "eve", key: "k1" });

    // Assess
    expect(retry).toEqual({ product: first.product, replayed: true });
    expect(reused).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(otherAdmin.replayed).toBe(false);
    expect(deps.catalog.products.size).toBe(2);
  });

  it("sends no token without an Idempotency-Key", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    await createProduct(deps, LAMP);
    await createProduct(deps, LAMP);

    // Assess
    expect(deps.catalog.calls.map((c) => c.args[1])).toEqual([undefined, undefined]);
    expect(deps.catalog.products.size).toBe(2);
  });
});

describe("getProduct and listProducts", () => {
  it("reads a product, and reports an unknown or malformed id as NOT_FOUND (the latter without a read)", async () => {
    // Prepare
    const deps = makeDeps();
    const { product } = await createProduct(deps, LAMP);

    // Act
    const found = await getProduct(deps, product.id);
    const unknown = await rejection(getProduct(deps, "00000000-0000-7000-8000-0000000000ff"));
    const reads = deps.catalog.calls.filter((c) => c.method === "get").length;
    const malformed = await rejection(getProduct(deps, "lamp"));

    // Assess
    expect(found).toEqual(product);
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(malformed).toMatchObject({ code: "NOT_FOUND", status: 404 });
    expect(deps.catalog.calls.filter((c) => c.method === "get")).toHaveLength(reads);
  });

  it("lists products oldest first, a page at a time, with a cursor that only this listing accepts", async () => {
    // Prepare
    const deps = makeDeps();
    const made = [];
    for (let n = 0; n < 5; n++) made.push((await createProduct(deps, { ...LAMP, name: `P${n}` })).product);
    const ordersCursor = deps.cursors.encode("orders:customer:ana", { after: made[0]?.id ?? "" });

    // Act
    const first = await listProducts(deps, { limit: 2 });
    const second = await listProducts(deps, { limit: 2, cursor: first.nextCursor ?? "" });
    const third = await listProducts(deps, { limit: 2, cursor: second.nextCursor ?? "" });
    const foreign = await rejection(listProducts(deps, { limit: 2, cursor: ordersCursor }));

    // Assess
    expect([...first.items, ...second.items, ...third.items].map((p) => p.name)).toEqual([
      "P0",
      "P1",
      "P2",
      "P3",
      "P4",
    ]);
    expect(third.nextCursor).toBeNull();
    expect(foreign).toBeInstanceOf(InvalidCursorError);
  });
});

describe("updateProduct", () => {
  it("applies the changes over the version the admin read, at the clock's time", async () => {
    // Prepare
    const deps = makeDeps();
    const { product } = await createProduct(deps, LAMP);
    deps.clock.set(NOW_MS + 5_000);

    // Act
    const updated = await updateProduct(deps, product.id, { version: 1, price: 650, name: "Desk lamp" });

    // Assess
    expect(updated).toMatchObject({ price: 650, name: "Desk lamp", version: 2 });
    expect(deps.catalog.calls.find((c) => c.method === "update")?.args).toEqual([
      product.id,
      { price: 650, name: "Desk lamp" },
      1,
      "2026-12-04T12:00:05.000Z",
    ]);
  });

  it("refuses a stale version (VERSION_CONFLICT) and an unknown product (NOT_FOUND, no write)", async () => {
    // Prepare
    const deps = makeDeps();
    const { product } = await createProduct(deps, LAMP);
    await updateProduct(deps, product.id, { version: 1, price: 650 });

    // Act
    const stale = await rejection(updateProduct(deps, product.id, { version: 1, price: 700 }));
    const unknown = await rejection(
      updateProduct(deps, "00000000-0000-7000-8000-0000000000ff", { version: 1, price: 700 }),
    );

    // Assess
    expect(stale).toBeInstanceOf(VersionConflictError);
    expect(stale).toMatchObject({ code: "VERSION_CONFLICT", status: 409, details: { currentVersion: 2 } });
    expect(unknown).toBeInstanceOf(NotFoundError);
    expect(deps.catalog.calls.filter((c) => c.method === "update")).toHaveLength(2);
    expect(deps.catalog.products.get(product.id)?.price).toBe(650);
  });
});

describe("adjustStock", () => {
  it("adds and removes stock, refusing to go below zero (INSUFFICIENT_STOCK)", async () => {
    // Prepare
    const deps = makeDeps();
    const { product } = await createProduct(deps, LAMP);

    // Act
    const added = await adjustStock(deps, product.id, 2);
    const removed = await adjustStock(deps, product.id, -5);
    const refused = await rejection(adjustStock(deps, product.id, -1));

    // Assess
    expect(added.product.stock).toBe(5);
    expect(removed.product.stock).toBe(0);
    expect(refused).toBeInstanceOf(InsufficientStockError);
    expect(refused).toMatchObject({ code: "INSUFFICIENT_STOCK", status: 409 });
  });

  it("binds the admin's key to the product and the delta: a retry changes nothing, another delta is refused", async () => {
    // Prepare
    const deps = makeDeps();
    const lamp = (await createProduct(deps, LAMP)).product;
    const desk = (await createProduct(deps, { ...LAMP, name: "Desk" })).product;
    await adjustStock(deps, lamp.id, 4, { admin: "ops", key: "restock-1" });

    // Act
    const retry = await adjustStock(deps, lamp.id, 4, { admin: "ops", key: "restock-1" });
    const otherDelta = await rejection(adjustStock(deps, lamp.id, 5, { admin: "ops", key: "restock-1" }));
    const otherProduct = await rejection(adjustStock(deps, desk.id, 4, { admin: "ops", key: "restock-1" }));

    // Assess
    expect(retry).toMatchObject({ replayed: true, product: { stock: 7 } });
    expect(otherDelta).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(otherProduct).toBeInstanceOf(IdempotencyKeyReusedError);
    expect(deps.catalog.products.get(lamp.id)?.stock).toBe(7);
    expect(deps.catalog.products.get(desk.id)?.stock).toBe(3);
  });

  it("reports an unknown product as NOT_FOUND without touching any stock", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const error = await rejection(adjustStock(deps, "00000000-0000-7000-8000-0000000000ff", 1));

    // Assess
    expect(error).toBeInstanceOf(NotFoundError);
    expect(deps.catalog.calls.filter((c) => c.method === "adjustStock")).toHaveLength(0);
  });
});
