import {
  BULK_CANCEL_MAX,
  cancelCustomerOrders,
  cancelOrder,
  createCursorCodec,
  DependencyUnavailableError,
  ForbiddenError,
  getOrder,
  IdempotencyKeyReusedError,
  listOrders,
  MixedCurrencyError,
  NotFoundError,
  type Order,
  OrderLimitReachedError,
  type OrderLimits,
  OrderNotCancellableError,
  type OrderStatus,
  type PlaceOrderCommand,
  placeOrder,
  TooManyOrdersError,
  UnknownProductError,
  type UserPrincipal,
} from "@meridian/core";
import { describe, expect, it } from "vitest";
import {
  fixedClock,
  InMemoryCatalogStore,
  InMemoryOrderStore,
  NOW_MS,
  sequentialIds,
} from "./support/in-memory-stores.ts";

const LAMP = "0190a000-0000-7000-8000-0000000000a1";
const DESK = "0190a000-0000-7000-8000-0000000000a2";
const CHAIR = "0190a000-0000-7000-8000-0000000000a3";
const LIMITS: OrderLimits = { openOrdersPerDay: 3, unitsPerProductPerDay: 5, ordersPerMinute: 4 };

const customer = (sub: string): UserPrincipal => ({ sub, role: "customer", groups: [] });
const admin: UserPrincipal = { sub: "ops", role: "admin", groups: ["admin"] };
const ana = customer("ana");

function makeDeps(limits: OrderLimits = LIMITS) {
  const catalog = new InMemoryCatalogStore();
  catalog.seed({ id: LAMP, price: 500, currency: "EUR", stock: 100 });
  catalog.seed({ id: DESK, price: 12_000, currency: "EUR", stock: 100 });
  catalog.seed({ id: CHAIR, price: 4_000, currency: "USD", stock: 100 });
  const orders = new InMemoryOrderStore(catalog);
  const clock = fixedClock();
  return {
    catalog,
    orders,
    clock,
    ids: sequentialIds(),
    cursors: createCursorCodec("unit-test-secret-that-is-long-enough"),
    limits,
  };
}
type Deps = ReturnType<typeof makeDeps>;

const lines = (...pairs: [string, number][]) => ({
  lines: pairs.map(([productId, quantity]) => ({ productId, quantity })),
});

const place = (deps: Deps, command: Partial<PlaceOrderCommand> = {}) =>
  placeOrder(deps, { customer: ana, body: lines([LAMP, 1]), ...command });

/** An order stored directly, with a given status (ids from the store's own counter range). */
function stored(deps: Deps, n: number, status: OrderStatus, customerId = "ana"): Order {
  const iso = new Date(NOW_MS).toISOString();
  return deps.orders.seed({
    id: `0190b000-0000-7000-8000-${n.toString(16).padStart(12, "0")}`,
    customerId,
    lines: [{ productId: LAMP, quantity: 1, unitPrice: 500 }],
    total: 500,
    currency: "EUR",
    status,
    createdAt: iso,
    updatedAt: iso,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the use case to fail");
}

describe("placeOrder", () => {
  it("prices every line from the catalog, totals it server-side and stores a PENDING order with its allowance", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const { order, replayed } = await place(deps, {
      body: lines([LAMP, 2], [DESK, 1]),
      correlationId: "req-1",
    });

    // Assess
    expect(replayed).toBe(false);
    expect(order).toMatchObject({
      customerId: "ana",
      lines: [
        { productId: LAMP, quantity: 2, unitPrice: 500 },
        { productId: DESK, quantity: 1, unitPrice: 12_000 },
      ],
      total: 13_000,
      currency: "EUR",
      status: "PENDING",
      correlationId: "req-1",
      createdAt: "2026-12-04T12:00:00.000Z",
      updatedAt: "2026-12-04T12:00:00.000Z",
    });
    expect(deps.orders.orders.get(order.id)).toEqual(order);
    expect(deps.orders.allowances.get("ana")).toEqual({
      day: "2026-12-04",
      openOrders: 1,
      units: { [LAMP]: 2, [DESK]: 1 },
      placedAtMs: [NOW_MS],
      version: 1,
    });
  });

  it("refuses a product the catalog does not have (UNKNOWN_PRODUCT) and writes nothing", async () => {
    // Prepare
    const deps = makeDeps();
    const missing = "0190a000-0000-7000-8000-0000000000ff";

    // Act
    const error = await rejection(place(deps, { body: lines([LAMP, 1], [missing, 1]) }));

    // Assess
    expect(error).toBeInstanceOf(UnknownProductError);
    expect(error).toMatchObject({ code: "UNKNOWN_PRODUCT", status: 422, details: { productId: missing } });
    expect(deps.orders.count("create")).toBe(0);
  });

  it("refuses products priced in two currencies (MIXED_CURRENCY, 422) and writes nothing", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const error = await rejection(place(deps, { body: lines([LAMP, 1], [CHAIR, 1]) }));

    // Assess
    expect(error).toBeInstanceOf(MixedCurrencyError);
    expect(error).toMatchObject({ code: "MIXED_CURRENCY", status: 422 });
    expect(deps.orders.orders.size).toBe(0);
    expect(deps.orders.allowances.size).toBe(0);
    expect(deps.orders.count("create")).toBe(0);
  });

  it("accepts one product in another currency than EUR: the order carries that currency", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const { order } = await place(deps, { body: lines([CHAIR, 3]) });

    // Assess
    expect(order).toMatchObject({ currency: "USD", total: 12_000 });
  });

  it("refuses the order past the day's open orders (ORDER_LIMIT_REACHED) and leaves the counts alone", async () => {
    // Prepare
    const deps = makeDeps({ ...LIMITS, openOrdersPerDay: 2 });
    await place(deps);
    deps.clock.set(NOW_MS + 61_000);
    await place(deps);
    deps.clock.set(NOW_MS + 122_000);
    const before = structuredClone(deps.orders.allowances.get("ana"));

    // Act
    const error = await rejection(place(deps));

    // Assess
    expect(error).toBeInstanceOf(OrderLimitReachedError);
    expect(error).toMatchObject({
      code: "ORDER_LIMIT_REACHED",
      status: 409,
      details: { limit: "openOrdersPerDay", max: 2 },
    });
    expect(deps.orders.orders.size).toBe(2);
    expect(deps.orders.allowances.get("ana")).toEqual(before);
  });

  it("refuses more units of one product than the day allows, naming the product and what is held", async () => {
    // Prepare
    const deps = makeDeps();
    await place(deps, { body: lines([LAMP, 4]) });

    // Act
    const error = await rejection(place(deps, { body: lines([DESK, 1], [LAMP, 2]) }));

    // Assess
    expect(error).toMatchObject({
      code: "ORDER_LIMIT_REACHED",
      details: { limit: "unitsPerProductPerDay", max: 5, productId: LAMP, held: 4 },
    });
    expect(deps.orders.orders.size).toBe(1);
  });

  it("refuses the order past the minute's rate (TOO_MANY_ORDERS, 429) with the seconds until a slot frees", async () => {
    // Prepare
    const deps = makeDeps({ ...LIMITS, openOrdersPerDay: 10, ordersPerMinute: 2 });
    await place(deps);
    deps.clock.set(NOW_MS + 20_000);
    await place(deps);
    deps.clock.set(NOW_MS + 30_000);

    // Act
    const error = await rejection(place(deps));

    // Assess
    expect(error).toBeInstanceOf(TooManyOrdersError);
    expect(error).toMatchObject({ code: "TOO_MANY_ORDERS", status: 429, retryAfterSeconds: 30 });
  });

  it("counts customers apart: one customer's limit does not refuse another's order", async () => {
    // Prepare
    const deps = makeDeps({ ...LIMITS, openOrdersPerDay: 1 });
    await place(deps);

    // Act
    const { order } = await place(deps, { customer: customer("bo") });

    // Assess
    expect(order.customerId).toBe("bo");
    expect(deps.orders.allowances.get("bo")?.openOrders).toBe(1);
  });

  it("re-reads the allowance and tries again when another order of the customer wrote it meanwhile", async () => {
    // Prepare
    const deps = makeDeps();
    let raced = false;
    deps.orders.hooks.beforeCreate = () => {
      if (raced) return;
      raced = true;
      // The customer's other request placed an order between this one's read and its write.
      deps.orders.overwriteAllowance("ana", {
        day: "2026-12-04",
        openOrders: 1,
        units: { [LAMP]: 3 },
        placedAtMs: [NOW_MS - 1_000],
      });
    };

    // Act
    const { order } = await place(deps, { body: lines([LAMP, 2]) });

    // Assess
    expect(deps.orders.count("create")).toBe(2);
    expect(deps.orders.count("getAllowance")).toBe(2);
    expect(deps.orders.orders.get(order.id)?.status).toBe("PENDING");
    // Counted over what the other request wrote, not over the first read.
    expect(deps.orders.allowances.get("ana")).toEqual({
      day: "2026-12-04",
      openOrders: 2,
      units: { [LAMP]: 5 },
      placedAtMs: [NOW_MS - 1_000, NOW_MS],
      version: 2,
    });
  });

  it("applies the limits to the allowance read again: the race lost to the last free place is refused", async () => {
    // Prepare
    const deps = makeDeps({ ...LIMITS, openOrdersPerDay: 1 });
    deps.orders.hooks.beforeCreate = () => {
      deps.orders.hooks.beforeCreate = undefined;
      deps.orders.overwriteAllowance("ana", { day: "2026-12-04", openOrders: 1, units: {}, placedAtMs: [] });
    };

    // Act
    const error = await rejection(place(deps));

    // Assess
    expect(error).toMatchObject({ code: "ORDER_LIMIT_REACHED" });
    expect(deps.orders.orders.size).toBe(0);
  });

  it("gives up with TOO_MANY_ORDERS (retry after 1 s) when the allowance keeps changing, writing nothing", async () => {
    // Prepare
    const deps = makeDeps({ ...LIMITS, ordersPerMinute: 100, openOrdersPerDay: 100 });
    deps.orders.hooks.beforeCreate = () =>
      deps.orders.overwriteAllowance("ana", { day: "2026-12-04", openOrders: 0, units: {}, placedAtMs: [] });

    // Act
    const error = await rejection(place(deps));

    // Assess
    expect(error).toBeInstanceOf(TooManyOrdersError);
    expect(error).toMatchObject({ code: "TOO_MANY_ORDERS", retryAfterSeconds: 1 });
    expect(deps.orders.count("create")).toBe(8);
    expect(deps.orders.orders.size).toBe(0);
  });

  it("does not retry other store failures", async () => {
    // Prepare
    const deps = makeDeps();
    deps.orders.hooks.beforeCreate = () => {
      throw new DependencyUnavailableError("DynamoDB");
    };

    // Act
    const error = await rejection(place(deps));

    // Assess
    expect(error).toBeInstanceOf(DependencyUnavailableError);
    expect(deps.orders.count("create")).toBe(1);
  });

  it("answers the retry of an order with the first one (replayed), scoped to the customer's key", async () => {
    // Prepare
    const deps = makeDeps();
    const first = await place(deps, { idempotencyKey: "cart-1", body: lines([LAMP, 2]) });

    // Act
    const retry = await place(deps, { idempotencyKey: "cart-1", body: lines([LAMP, 2]) });
    const otherCustomer = await place(deps, {
      customer: customer("bo"),
      idempotencyKey: "cart-1",
      body: lines([LAMP, 2]),
    });

    // Assess
    expect(retry).toEqual({ order: first.order, replayed: true });
    expect(otherCustomer.replayed).toBe(false);
    expect(otherCustomer.order.id).not.toBe(first.order.id);
    expect(deps.orders.allowances.get("ana")?.openOrders).toBe(1);
  });

  it("answers the retry of a placed order even once the customer is at the limit it reached", async () => {
    // Prepare
    const deps = makeDeps({ ...LIMITS, openOrdersPerDay: 1 });
    const first = await place(deps, { idempotencyKey: "cart-1" });

    // Act
    const retry = await place(deps, { idempotencyKey: "cart-1" });
    const another = await rejection(place(deps, { idempotencyKey: "cart-2" }));
    const unkeyed = await rejection(place(deps));

    // Assess
    expect(retry).toEqual({ order: first.order, replayed: true });
    expect(deps.orders.count("placedWith")).toBe(2);
    expect(another).toMatchObject({ code: "ORDER_LIMIT_REACHED" });
    expect(unkeyed).toMatchObject({ code: "ORDER_LIMIT_REACHED" });
    expect(deps.orders.orders.size).toBe(1);
  });

  it("refuses the same key for another order at the limit too (IDEMPOTENCY_KEY_REUSED)", async () => {
    // Prepare
    const deps = makeDeps({ ...LIMITS, openOrdersPerDay: 1 });
    await place(deps, { idempotencyKey: "cart-1", body: lines([LAMP, 1]) });

    // Act
    const error = await rejection(place(deps, { idempotencyKey: "cart-1", body: lines([LAMP, 2]) }));

    // Assess
    expect(error).toBeInstanceOf(IdempotencyKeyReusedError);
  });
});

describe("getOrder and listOrders", () => {
  it("gives customers their own orders, admins any, and reports another's order as not found", async () => {
    // Prepare
    const deps = makeDeps();
    const order = stored(deps, 1, "PENDING", "ana");

    // Act
    const own = await getOrder(deps, ana, order.id);
    const asAdmin = await getOrder(deps, admin, order.id);
    const other = await rejection(getOrder(deps, customer("bo"), order.id));

    // Assess
    expect(own).toEqual(order);
    expect(asAdmin).toEqual(order);
    expect(other).toBeInstanceOf(NotFoundError);
  });

  it("reports an id that is no UUID as not found without reading the store", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const error = await rejection(getOrder(deps, ana, "../../etc"));

    // Assess
    expect(error).toMatchObject({ code: "NOT_FOUND" });
    expect(deps.orders.count("get")).toBe(0);
  });

  it("lists the caller's orders newest first, a page at a time", async () => {
    // Prepare
    const deps = makeDeps();
    for (let n = 1; n <= 3; n++) stored(deps, n, "PENDING", "ana");
    stored(deps, 4, "PENDING", "bo");

    // Act
    const first = await listOrders(deps, ana, { limit: 2 });
    const second = await listOrders(deps, ana, { limit: 2, cursor: first.nextCursor ?? "" });

    // Assess
    expect(first.items.map((o) => o.id.slice(-1))).toEqual(["3", "2"]);
    expect(second.items.map((o) => o.id.slice(-1))).toEqual(["1"]);
    expect(second.nextCursor).toBeNull();
  });

  it("lists all orders in a status for admins only", async () => {
    // Prepare
    const deps = makeDeps();
    stored(deps, 1, "PENDING", "ana");
    stored(deps, 2, "CONFIRMED", "bo");
    stored(deps, 3, "PENDING", "bo");

    // Act
    const page = await listOrders(deps, admin, { limit: 10, status: "PENDING" });
    const refused = await rejection(listOrders(deps, ana, { limit: 10, status: "PENDING" }));

    // Assess
    expect(page.items.map((o) => o.customerId)).toEqual(["bo", "ana"]);
    expect(refused).toBeInstanceOf(ForbiddenError);
  });
});

describe("cancelOrder", () => {
  it("cancels a PENDING order and gives its place and units back to the day's counts", async () => {
    // Prepare
    const deps = makeDeps();
    const { order } = await place(deps, { body: lines([LAMP, 2]) });
    await place(deps, { body: lines([LAMP, 1]) });

    // Act
    const cancelled = await cancelOrder(deps, ana, order.id);

    // Assess
    expect(cancelled).toMatchObject({ id: order.id, status: "CANCELLED" });
    expect(deps.orders.allowances.get("ana")).toMatchObject({ openOrders: 1, units: { [LAMP]: 1 } });
  });

  it("cancels a CONFIRMED order with the status it read, so the store gives the stock back once", async () => {
    // Prepare
    const deps = makeDeps();
    const order = stored(deps, 1, "CONFIRMED");

    // Act
    const cancelled = await cancelOrder(deps, ana, order.id);

    // Assess
    expect(cancelled.status).toBe("CANCELLED");
    expect(
      deps.orders.calls.filter((c) => c.method === "cancel").map((c) => (c.args[0] as Order).status),
    ).toEqual(["CONFIRMED"]);
    expect(deps.catalog.products.get(LAMP)?.stock).toBe(101);
  });

  it("returns a cancelled order unchanged, without writing", async () => {
    // Prepare
    const deps = makeDeps();
    const order = stored(deps, 1, "CANCELLED");

    // Act
    const again = await cancelOrder(deps, ana, order.id);

    // Assess
    expect(again).toEqual(order);
    expect(deps.orders.count("cancel")).toBe(0);
  });

  it("refuses a REJECTED order (ORDER_NOT_CANCELLABLE, 409)", async () => {
    // Prepare
    const deps = makeDeps();
    const order = stored(deps, 1, "REJECTED");

    // Act
    const error = await rejection(cancelOrder(deps, ana, order.id));

    // Assess
    expect(error).toBeInstanceOf(OrderNotCancellableError);
    expect(error).toMatchObject({ code: "ORDER_NOT_CANCELLABLE", status: 409 });
    expect((error as Error).message).toContain("REJECTED");
    expect(deps.orders.count("cancel")).toBe(0);
  });

  it("reads again when the processor changed the status meanwhile, and refuses once it is REJECTED", async () => {
    // Prepare
    const deps = makeDeps();
    const order = stored(deps, 1, "PENDING");
    deps.orders.hooks.beforeCancel = () => deps.orders.setStatus(order.id, "REJECTED");

    // Act
    const error = await rejection(cancelOrder(deps, ana, order.id));

    // Assess
    expect(error).toMatchObject({ code: "ORDER_NOT_CANCELLABLE" });
    expect(deps.orders.count("cancel")).toBe(1);
    expect(deps.orders.count("get")).toBe(2);
  });

  it("cancels the order as CONFIRMED when the processor confirmed it between the read and the write", async () => {
    // Prepare
    const deps = makeDeps();
    const order = stored(deps, 1, "PENDING");
    deps.orders.hooks.beforeCancel = () => {
      deps.orders.hooks.beforeCancel = undefined;
      deps.orders.setStatus(order.id, "CONFIRMED");
    };

    // Act
    const cancelled = await cancelOrder(deps, ana, order.id);

    // Assess
    expect(cancelled.status).toBe("CANCELLED");
    expect(
      deps.orders.calls.filter((c) => c.method === "cancel").map((c) => (c.args[0] as Order).status),
    ).toEqual(["PENDING", "CONFIRMED"]);
  });

  it("refuses with ORDER_NOT_CANCELLABLE when the status keeps changing under five attempts", async () => {
    // Prepare
    const deps = makeDeps();
    const order = stored(deps, 1, "PENDING");
    deps.orders.hooks.beforeCancel = (read) =>
      deps.orders.setStatus(order.id, read.status === "PENDING" ? "CONFIRMED" : "PENDING");

    // Act
    const error = await rejection(cancelOrder(deps, ana, order.id));

    // Assess
    expect(error).toMatchObject({ code: "ORDER_NOT_CANCELLABLE" });
    expect(deps.orders.count("cancel")).toBe(5);
  });

  it("does not let a customer cancel another customer's order", async () => {
    // Prepare
    const deps = makeDeps();
    const order = stored(deps, 1, "PENDING", "bo");

    // Act
    const error = await rejection(cancelOrder(deps, ana, order.id));

    // Assess
    expect(error).toBeInstanceOf(NotFoundError);
    expect(deps.orders.orders.get(order.id)?.status).toBe("PENDING");
  });
});

describe("cancelCustomerOrders", () => {
  it("is for admins only", async () => {
    // Prepare
    const deps = makeDeps();
    const order = stored(deps, 1, "PENDING", "bo");

    // Act
    const error = await rejection(cancelCustomerOrders(deps, ana, "bo"));

    // Assess
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ code: "FORBIDDEN", status: 403 });
    expect(deps.orders.orders.get(order.id)?.status).toBe("PENDING");
    expect(deps.orders.count("listByCustomer")).toBe(0);
  });

  it("cancels the customer's PENDING and CONFIRMED orders, passes over the others and other customers", async () => {
    // Prepare
    const deps = makeDeps();
    const pending = stored(deps, 1, "PENDING", "bo");
    const confirmed = stored(deps, 2, "CONFIRMED", "bo");
    stored(deps, 3, "REJECTED", "bo");
    stored(deps, 4, "CANCELLED", "bo");
    const anas = stored(deps, 5, "PENDING", "ana");

    // Act
    const result = await cancelCustomerOrders(deps, admin, "bo");

    // Assess
    expect(result).toEqual({ cancelled: [confirmed.id, pending.id], nextCursor: null });
    expect(deps.orders.orders.get(pending.id)?.status).toBe("CANCELLED");
    expect(deps.orders.orders.get(confirmed.id)?.status).toBe("CANCELLED");
    expect(deps.orders.orders.get(anas.id)?.status).toBe("PENDING");
    expect(deps.orders.count("cancel")).toBe(2);
  });

  it(`cancels at most ${BULK_CANCEL_MAX} a call, newest first, and goes on from its cursor until none is left`, async () => {
    // Prepare
    const deps = makeDeps();
    const open = Array.from({ length: BULK_CANCEL_MAX + 7 }, (_, i) => stored(deps, i + 1, "PENDING", "bo"));
    const newest = open.map((o) => o.id).reverse();

    // Act
    const first = await cancelCustomerOrders(deps, admin, "bo");
    const second = await cancelCustomerOrders(deps, admin, "bo", first.nextCursor ?? undefined);
    const again = await cancelCustomerOrders(deps, admin, "bo");

    // Assess
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(first.cancelled).toHaveLength(BULK_CANCEL_MAX);
    expect(new Set(first.cancelled)).toEqual(new Set(newest.slice(0, BULK_CANCEL_MAX)));
    expect(second).toEqual({ cancelled: expect.any(Array), nextCursor: null });
    expect(new Set(second.cancelled)).toEqual(new Set(newest.slice(BULK_CANCEL_MAX)));
    expect(again).toEqual({ cancelled: [], nextCursor: null });
  });

  it("reads past pages of closed orders, five pages of 100 at most, and the next call goes on from there", async () => {
    // Prepare
    const deps = makeDeps();
    const oldOpen = stored(deps, 1, "PENDING", "bo");
    for (let n = 2; n <= 300; n++) stored(deps, n, "CANCELLED", "bo");
    const deep = makeDeps();
    const deepOpen = stored(deep, 1, "PENDING", "bo");
    for (let n = 2; n <= 600; n++) stored(deep, n, "REJECTED", "bo");

    // Act
    const found = await cancelCustomerOrders(deps, admin, "bo");
    const tooDeep = await cancelCustomerOrders(deep, admin, "bo");
    const goneOn = await cancelCustomerOrders(deep, admin, "bo", tooDeep.nextCursor ?? undefined);

    // Assess
    expect(found).toEqual({ cancelled: [oldOpen.id], nextCursor: null });
    expect(deps.orders.calls.filter((c) => c.method === "listByCustomer").map((c) => c.args[1])).toEqual([
      100, 100, 100, 100,
    ]);
    expect(tooDeep).toEqual({ cancelled: [], nextCursor: expect.any(String) });
    expect(goneOn).toEqual({ cancelled: [deepOpen.id], nextCursor: null });
    expect(deep.orders.count("listByCustomer")).toBe(7);
  });

  it("refuses a cursor issued for another customer's orders", async () => {
    // Prepare
    const deps = makeDeps();
    for (let n = 1; n <= BULK_CANCEL_MAX + 1; n++) stored(deps, n, "PENDING", "bo");
    const { nextCursor } = await cancelCustomerOrders(deps, admin, "bo");

    // Act
    const error = await rejection(cancelCustomerOrders(deps, admin, "ana", nextCursor ?? undefined));

    // Assess
    expect(error).toMatchObject({ status: 400, code: "INVALID_CURSOR" });
  });

  it("passes over an order rejected after it was listed, but fails on any other error", async () => {
    // Prepare
    const deps = makeDeps();
    const kept = stored(deps, 1, "PENDING", "bo");
    const rejected = stored(deps, 2, "PENDING", "bo");
    deps.orders.hooks.afterListByCustomer = () => deps.orders.setStatus(rejected.id, "REJECTED");
    const failing = makeDeps();
    stored(failing, 1, "PENDING", "bo");
    failing.orders.hooks.beforeCancel = () => {
      throw new DependencyUnavailableError("DynamoDB");
    };

    // Act
    const result = await cancelCustomerOrders(deps, admin, "bo");
    const error = await rejection(cancelCustomerOrders(failing, admin, "bo"));

    // Assess
    expect(result).toEqual({ cancelled: [kept.id], nextCursor: null });
    expect(error).toBeInstanceOf(DependencyUnavailableError);
  });
});
