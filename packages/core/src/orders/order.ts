import * as z from "zod";

export const ORDER_STATUSES = ["PENDING", "CONFIRMED", "REJECTED", "CANCELLED"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const OrderLineSchema = z.object({
  productId: z.uuid(),
  quantity: z.number().int().min(1).max(100),
  unitPrice: z.number().int().min(0).describe("Catalog price at order time, minor units"),
});
export type OrderLine = z.infer<typeof OrderLineSchema>;

export const OrderSchema = z
  .object({
    id: z.uuid(),
    customerId: z.string(),
    lines: z.array(OrderLineSchema),
    total: z.number().int().min(0).describe("Sum of quantity × unitPrice, minor units"),
    currency: z.string(),
    status: z.enum(ORDER_STATUSES),
    reason: z.string().optional().describe("Why the order was rejected, e.g. OUT_OF_STOCK"),
    reasonDetail: z.string().optional().describe("e.g. the product that was out of stock"),
    correlationId: z.string().optional().describe("Request id of the POST that placed the order"),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Order" });
export type Order = z.infer<typeof OrderSchema>;

export const PlaceOrderBodySchema = z
  .strictObject({
    lines: z
      .array(
        z.strictObject({
          productId: z.uuid(),
          quantity: z.number().int().min(1).max(100),
        }),
      )
      .min(1)
      .max(50)
      .superRefine((lines, ctx) => {
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
  })
  .meta({ id: "PlaceOrderBody" });
export type PlaceOrderBody = z.infer<typeof PlaceOrderBodySchema>;

export const ListOrdersQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().min(1).max(1024).optional(),
  status: z.enum(ORDER_STATUSES).optional().describe("Admins: list all orders with this status"),
});
export type ListOrdersQuery = z.infer<typeof ListOrdersQuerySchema>;

export const OrderPageSchema = z
  .object({ items: z.array(OrderSchema), nextCursor: z.string().nullable() })
  .meta({ id: "OrderPage" });
