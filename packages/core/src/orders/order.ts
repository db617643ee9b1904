import * as z from "zod/mini";
import { isoDateTime, numberFromText } from "../shared/schema-parts.ts";

export const ORDER_STATUSES = ["PENDING", "CONFIRMED", "REJECTED", "CANCELLED"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

// Built on first use, like every schema (see epoch.ts).
const quantity = () => z.number().check(z.int(), z.minimum(1), z.maximum(100));

export const OrderLineSchema = z.lazy(() =>
  z.object({
    productId: z.uuid(),
    quantity: quantity(),
    unitPrice: z
      .number()
      .check(z.int(), z.minimum(0), z.describe("Catalog price at order time, minor units")),
  }),
);
export type OrderLine = z.infer<typeof OrderLineSchema>;

export const OrderSchema = z.lazy(() =>
  z
    .object({
      id: z.uuid(),
      customerId: z.string(),
      lines: z.array(OrderLineSchema),
      total: z.number().check(z.int(), z.minimum(0), z.describe("Sum of quantity × unitPrice, minor units")),
      currency: z.string(),
      status: z.enum(ORDER_STATUSES),
      reason: z.optional(z.string().check(z.describe("Why the order was rejected, e.g. OUT_OF_STOCK"))),
      reasonDetail: z.optional(z.string().check(z.describe("e.g. the product that was out of stock"))),
      correlationId: z.optional(z.string().check(z.describe("Request id of the POST that placed the order"))),
      createdAt: isoDateTime(),
      updatedAt: isoDateTime(),
    })
    .check(z.meta({ id: "Order" })),
);
export type Order = z.infer<typeof OrderSchema>;

export const PlaceOrderBodySchema = z.lazy(() =>
  z
    .strictObject({
      lines: z.array(z.strictObject({ productId: z.uuid(), quantity: quantity() })).check(
        z.minLength(1),
        z.maxLength(50),
        z.superRefine((lines, ctx) => {
          const seen = new Set<string>();
          lines.forEach((line, index) => {
            if (seen.has(line.productId)) {
              ctx.addIssue({
                code: "custom",
                path: [index, "productId"],
                message: "appears twice; merge the lines",
              });
            }
            seen.add(line.productId);
          });
        }),
      ),
    })
    .check(z.meta({ id: "PlaceOrderBody" })),
);
export type PlaceOrderBody = z.infer<typeof PlaceOrderBodySchema>;

export const ListOrdersQuerySchema = z.lazy(() =>
  z.object({
    limit: z._default(numberFromText().check(z.int(), z.minimum(1), z.maximum(100)), 25),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(1024))),
    status: z.optional(z.enum(ORDER_STATUSES).check(z.describe("Admins: list all orders with this status"))),
  }),
);
export type ListOrdersQuery = z.infer<typeof ListOrdersQuerySchema>;

export const OrderPageSchema = z.lazy(() =>
  z
    .object({ items: z.array(OrderSchema), nextCursor: z.nullable(z.string()) })
    .check(z.meta({ id: "OrderPage" })),
);

export const CancelCustomerOrdersBodySchema = z.lazy(() =>
  z
    .strictObject({
      customerId: z
        .string()
        .check(z.minLength(1), z.maxLength(128), z.describe("The customer's `sub`, as orders carry it")),
      cursor: z.optional(
        z.string().check(z.minLength(1), z.maxLength(1024), z.describe("The `nextCursor` of the last call")),
      ),
    })
    .check(z.meta({ id: "CancelCustomerOrdersBody" })),
);
export type CancelCustomerOrdersBody = z.infer<typeof CancelCustomerOrdersBodySchema>;

export const CancelCustomerOrdersResultSchema = z.lazy(() =>
  z
    .object({
      cancelled: z.array(z.uuid()).check(z.describe("Ids of the orders this call cancelled")),
      nextCursor: z.nullable(
        z.string().check(z.describe("Not null: older orders remain to be looked at; call again with it")),
      ),
    })
    .check(z.meta({ id: "CancelCustomerOrdersResult" })),
);
