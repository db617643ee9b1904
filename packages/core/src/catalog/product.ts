import * as z from "zod/mini";
import { ProductImageRefSchema } from "../images/image.ts";
import { isoDateTime, numberFromText } from "../shared/schema-parts.ts";

// Built on first use, like every schema (see epoch.ts).
const currency = () =>
  z
    .string()
    .check(
      z.regex(/^[A-Z]{3}$/, "an ISO 4217 code such as EUR or USD"),
      z.describe("ISO 4217 currency code"),
    );
const minorUnits = () =>
  z
    .number()
    .check(
      z.int(),
      z.minimum(0),
      z.maximum(100_000_000_00),
      z.describe("Integer amount in minor units (cents)"),
    );
const name = () => z.string().check(z.trim(), z.minLength(1), z.maxLength(200));
const description = () => z.string().check(z.trim(), z.maxLength(2000));

export const ProductSchema = z.lazy(() =>
  z
    .object({
      id: z.uuid(),
      name: z.string(),
      description: z.string(),
      price: minorUnits(),
      currency: currency(),
      stock: z.number().check(z.int(), z.minimum(0)),
      images: z
        .array(ProductImageRefSchema)
        .check(z.describe("The product's READY images, in display order")),
      version: z
        .number()
        .check(z.int(), z.minimum(1), z.describe("Incremented by every change; send it back in PATCH")),
      createdAt: isoDateTime(),
      updatedAt: isoDateTime(),
    })
    .check(z.meta({ id: "Product" })),
);
export type Product = z.infer<typeof ProductSchema>;

export const CreateProductBodySchema = z.lazy(() =>
  z
    .strictObject({
      name: name(),
      description: z._default(description(), ""),
      price: minorUnits(),
      currency: currency(),
      stock: z.number().check(z.int(), z.minimum(0), z.maximum(1_000_000)),
    })
    .check(z.meta({ id: "CreateProductBody" })),
);
export type CreateProductBody = z.infer<typeof CreateProductBodySchema>;

export const UpdateProductBodySchema = z.lazy(() =>
  z
    .strictObject({
      version: z
        .number()
        .check(z.int(), z.minimum(1), z.describe("The version you read; 409 if the product changed since")),
      name: z.optional(name()),
      description: z.optional(description()),
      price: z.optional(minorUnits()),
      currency: z.optional(currency()),
    })
    .check(
      z.refine((b) => Object.keys(b).length > 1, { message: "change at least one field besides version" }),
      z.meta({ id: "UpdateProductBody" }),
    ),
);
export type UpdateProductBody = z.infer<typeof UpdateProductBodySchema>;

export const AdjustStockBodySchema = z.lazy(() =>
  z
    .strictObject({
      delta: z.number().check(
        z.int(),
        z.minimum(-1_000_000),
        z.maximum(1_000_000),
        z.refine((d) => d !== 0, "must not be 0"),
        z.describe("Units to add (positive) or remove (negative)"),
      ),
    })
    .check(z.meta({ id: "AdjustStockBody" })),
);

export const ListQuerySchema = z.lazy(() =>
  z.object({
    limit: z._default(
      numberFromText().check(z.int(), z.minimum(1), z.maximum(100), z.describe("Page size, 1-100")),
      25,
    ),
    cursor: z.optional(
      z.string().check(z.minLength(1), z.maxLength(1024), z.describe("nextCursor of the previous page")),
    ),
  }),
);
export type ListQuery = z.infer<typeof ListQuerySchema>;

export const ProductPageSchema = z.lazy(() =>
  z
    .object({ items: z.array(ProductSchema), nextCursor: z.nullable(z.string()) })
    .check(z.meta({ id: "ProductPage" })),
);
