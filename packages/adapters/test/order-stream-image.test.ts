import type { Order } from "@meridian/core";
import { describe, expect, it } from "vitest";
import { orderFromStreamImage, toOrderItem } from "../src/dynamodb/order-store.ts";
import { streamImages as imagesOf } from "./support/stream-records.ts";

const order: Order = {
  id: "0193a5c2-7f00-7000-8000-000000000001",
  customerId: "customer-1",
  lines: [{ productId: "0193a5c2-7f00-7000-8000-0000000000aa", quantity: 2, unitPrice: 250 }],
  total: 500,
  currency: "EUR",
  status: "PENDING",
  createdAt: "2026-12-04T10:00:00.000Z",
  updatedAt: "2026-12-04T10:00:00.000Z",
};

describe("orderFromStreamImage (the inverse of toOrderItem, through the stream)", () => {
  it("gives back the order that toOrderItem stored", () => {
    // Act
    const decoded = orderFromStreamImage(imagesOf(toOrderItem(order)));

    // Assess
    expect(decoded).toEqual({ order });
  });

  it("skips what is not an order item, with the reason", () => {
    // Prepare: an allowance, an idempotency record, no image at all, and an image that is not DynamoDB JSON.
    const allowance = imagesOf({ pk: "ALLOWANCE#customer-1", day: "2026-12-04" });
    const idempotency = imagesOf({ pk: "IDEMPOTENCY#abc", id: order.id });

    // Act, Assess
    expect(orderFromStreamImage(allowance)).toEqual({ skip: "not an order item (pk is not ORDER#<id>)" });
    expect(orderFromStreamImage(idempotency)).toEqual({ skip: "not an order item (pk is not ORDER#<id>)" });
    expect(orderFromStreamImage({ Keys: { pk: { S: "OTHER#1" } } })).toEqual({ skip: "no NewImage" });
    expect(orderFromStreamImage({ NewImage: { pk: { BOGUS: "x" } } })).toEqual({
      skip: "NewImage is not DynamoDB JSON",
    });
  });

  it("throws for an order item that does not parse, naming the field and not its value", () => {
    const broken = imagesOf({ pk: `ORDER#${order.id}`, ...order, lines: "garbage-value" });

    expect(() => orderFromStreamImage(broken)).toThrow(/^order item does not parse: lines: /);
    expect(() => orderFromStreamImage(broken)).not.toThrow(/garbage-value/);
  });

  it("throws for an order's record without its new image (a KEYS_ONLY stream)", () => {
    expect(() => orderFromStreamImage({ Keys: { pk: { S: `ORDER#${order.id}` } } })).toThrow(
      "order record has no NewImage",
    );
  });
});
