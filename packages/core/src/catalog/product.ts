import * as z from "zod";

const Currency = z
  .string()
  .regex(/^[A-Z]{3}$/, "an ISO 4217 code such as EUR or USD")
  .describe("ISO 4217 currency code");
const MinorUnits = z
  .number()
  .int()
  .min(0)
  .max(100_000_000_00)
  .describe("Integer amount in minor units (cents)");

export const ProductSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    price: MinorUnits,
    currency: Currency,
    stock: z.number().int().min(0),
    images: z.array(z.string()).describe("Object keys of the product's images"),
    version: z.number().int().min(1).describe("Incremented by every change; send it back in PATCH"),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Product" });
export type Product = z.infer<typeof ProductSchema>;

export const CreateProductBodySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    description: z.string().trim().max(2000).default(""),
    price: MinorUnits,
    currency: Currency,
    stock: z.number().int().min(0).max(1_000_000),
  })
  .meta({ id: "CreateProductBody" });
export type CreateProductBody = z.infer<typeof CreateProductBodySchema>;

export const UpdateProductBodySchema = z
  .strictObject({
    version: z.number().int().min(1).describe("The version you read; 409 if the product changed since"),
    name: z.string().trim().min(1).max(200).optional(),
    description: z.string().trim().max(2000).optional(),
    price: MinorUnits.optional(),
    currency: Currency.optional(),
  })
  .refine((b) => Object.keys(b).length > 1, { message: "change at least one field besides version" })
  .meta({ id: "UpdateProductBody" });
export type UpdateProductBody = z.infer<typeof UpdateProductBodySchema>;

export const AdjustStockBodySchema = z
  .strictObject({
    delta: z
      .number()
      .int()
      .min(-1_000_000)
      .max(1_000_000)
      .refine((d) => d !== 0, "must not be 0")
      .describe("Units to add (positive) or remove (negative)"),
  })
  .meta({ id: "AdjustStockBody" });

export const ListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(25).describe("Page size, 1-100"),
  cursor: z.string().min(1).max(1024).optional().describe("nextCursor of the previous page"),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

export const ProductPageSchema = z
  .object({ items: z.array(ProductSchema), nextCursor: z.string().nullable() })
  .meta({ id: "ProductPage" });
