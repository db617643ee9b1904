import { describe, expect, it } from "vitest";
import {
  admitOrder,
  type OrderAllowance,
  OrderLimitReachedError,
  type OrderLimits,
  releaseOrder,
  TooManyOrdersError,
} from "../src/index.ts";

const limits: OrderLimits = { openOrdersPerDay: 2, unitsPerProductPerDay: 5, ordersPerMinute: 3 };
const P = "0190a000-0000-7000-8000-0000000000a1";
const Q = "0190a000-0000-7000-8000-0000000000a2";
const noon = Date.parse("2026-12-04T12:00:00.000Z");
const order = (atMs: number, lines: { productId: string; quantity: number }[]) => ({
  createdAt: new Date(atMs).toISOString(),
  lines: lines.map((line) => ({ ...line, unitPrice: 100 })),
});

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error("expected a refusal");
}

describe("admitOrder", () => {
  it("counts a first order from nothing, keeping the version read (0)", () => {
    // Act
    const next = admitOrder(undefined, order(noon, [{ productId: P, quantity: 2 }]), limits, noon);

    // Assess
    expect(next).toEqual({
      day: "2026-12-04",
      openOrders: 1,
      units: { [P]: 2 },
      placedAtMs: [noon],
      version: 0,
    });
  });

  it("refuses the open order past the day's limit, with what was reached", () => {
    // Prepare
    const held: OrderAllowance = { day: "2026-12-04", openOrders: 2, units: {}, placedAtMs: [], version: 7 };

    // Act
    const error = caught(() => admitOrder(held, order(noon, [{ productId: P, quantity: 1 }]), limits, noon));

    // Assess
    expect(error).toBeInstanceOf(OrderLimitReachedError);
    expect(error).toMatchObject({
      status: 409,
      code: "ORDER_LIMIT_REACHED",
      details: { limit: "openOrdersPerDay", max: 2 },
    });
  });

  it("refuses units of one product past the day's limit, naming the product and what is held", () => {
    // Prepare
    const held: OrderAllowance = {
      day: "2026-12-04",
      openOrders: 1,
      units: { [P]: 3 },
      placedAtMs: [],
      version: 1,
    };

    // Act
    const error = caught(() =>
      admitOrder(
        held,
        order(noon, [
          { productId: Q, quantity: 5 },
          { productId: P, quantity: 3 },
        ]),
        limits,
        noon,
      ),
    );

    // Assess
    expect(error).toMatchObject({
      code: "ORDER_LIMIT_REACHED",
      details: { limit: "unitsPerProductPerDay", max: 5, productId: P, held: 3 },
    });
  });

  it("starts a new day's counts at 00:00 UTC", () => {
    // Prepare
    const yesterday: OrderAllowance = {
      day: "2026-12-03",
      openOrders: 2,
      units: { [P]: 5 },
      placedAtMs: [],
      version: 4,
    };
    const midnight = Date.parse("2026-12-04T00:00:00.000Z");

    // Act
    const next = admitOrder(yesterday, order(midnight, [{ productId: P, quantity: 5 }]), limits, midnight);

    // Assess
    expect(next).toMatchObject({ day: "2026-12-04", openOrders: 1, units: { [P]: 5 }, version: 4 });
  });

  it("refuses the fourth order in 60 s with the seconds until the oldest leaves the minute, and keeps only the last three times", () => {
    // Prepare
    let allowance: OrderAllowance | undefined;
    const times = [noon - 70_000, noon - 50_000, noon - 20_000, noon - 10_000];
    allowance = { day: "2026-12-04", openOrders: 0, units: {}, placedAtMs: times.slice(0, 1), version: 1 };
    for (const at of times.slice(1)) {
      allowance = releaseOrder(admitOrder(allowance, order(at, []), limits, at), order(at, []));
    }

    // Act
    const error = caught(() => admitOrder(allowance, order(noon, []), limits, noon));

    // Assess
    expect(allowance?.placedAtMs).toEqual(times.slice(1));
    expect(error).toBeInstanceOf(TooManyOrdersError);
    expect(error).toMatchObject({ status: 429, code: "TOO_MANY_ORDERS", retryAfterSeconds: 10 });
    expect(admitOrder(allowance, order(noon + 10_001, []), limits, noon + 10_001).placedAtMs).toHaveLength(3);
  });
});

describe("releaseOrder", () => {
  it("gives a cancelled order's place and units back to its own day only", () => {
    // Prepare
    const held: OrderAllowance = {
      day: "2026-12-04",
      openOrders: 2,
      units: { [P]: 4, [Q]: 1 },
      placedAtMs: [noon],
      version: 3,
    };
    const lines = [
      { productId: P, quantity: 3 },
      { productId: Q, quantity: 1 },
    ];

    // Act
    const released = releaseOrder(held, order(noon, lines));
    const fromYesterday = releaseOrder(held, order(noon - 86_400_000, lines));

    // Assess
    expect(released).toEqual({
      day: "2026-12-04",
      openOrders: 1,
      units: { [P]: 1 },
      placedAtMs: [noon],
      version: 3,
    });
    expect(fromYesterday).toBeUndefined();
    expect(releaseOrder(undefined, order(noon, lines))).toBeUndefined();
  });
});

describe("admitOrder around 00:00 UTC", () => {
  it("never moves the counts back to an earlier day (a clock a little behind)", () => {
    // Prepare: counts already on the 5th; an instance whose clock still says the 4th, 23:59:59.
    const onThe5th: OrderAllowance = {
      day: "2026-12-05",
      openOrders: 2,
      units: {},
      placedAtMs: [],
      version: 3,
    };
    const late = Date.parse("2026-12-04T23:59:59.900Z");

    // Act
    const error = caught(() =>
      admitOrder(onThe5th, order(late, [{ productId: P, quantity: 1 }]), limits, late),
    );

    // Assess: the 5th's two open orders still count (limit 2), so a third is refused.
    expect(error).toMatchObject({ code: "ORDER_LIMIT_REACHED", details: { limit: "openOrdersPerDay" } });
  });
});
