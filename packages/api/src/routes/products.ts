import {
  AdjustStockBodySchema,
  type AdminIdempotency,
  adjustStock,
  type CreateProductBody,
  CreateProductBodySchema,
  createProduct,
  getProduct,
  ListQuerySchema,
  listProducts,
  ProductPageSchema,
  ProductSchema,
  parseInput,
  requireAdmin,
  type UpdateProductBody,
  UpdateProductBodySchema,
  updateProduct,
} from "@meridian/core";
import type { MiddlewareHandler } from "hono";
import type * as z from "zod/mini";
import type { RouteDeps } from "../app.ts";
import type { AppContext, AppEnv } from "../env.ts";
import { jsonBody } from "../middleware/json-body.ts";
import { IdempotencyHeaders, idempotencyKeyOf } from "./idempotency.ts";
import { type ApiBuilder, errorResponse, mount, IdParams as params } from "./route.ts";

const security = [{ Bearer: [] }];
const json = (schema: z.ZodMiniType, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const reusedKey = {
  422: errorResponse("IDEMPOTENCY_KEY_REUSED: the same Idempotency-Key with another request"),
};

/** The admin's `Idempotency-Key`, scoped to that admin, when the request sent one. */
function idempotencyOf(c: AppContext): AdminIdempotency | undefined {
  const key = idempotencyKeyOf(c);
  return key === undefined ? undefined : { admin: c.get("user").sub, key };
}

const adminErrors = {
  400: errorResponse("Malformed JSON or a field violates the schema"),
  401: errorResponse("Missing, invalid or expired token"),
  403: errorResponse("Needs the admin role"),
  404: errorResponse("No product with that id"),
};

export function productRoutes(api: ApiBuilder, deps: RouteDeps, signedIn: MiddlewareHandler<AppEnv>) {
  const admin: MiddlewareHandler<AppEnv> = async (c, next) => {
    requireAdmin(c.get("user"));
    await next();
  };

  mount(
    api,
    {
      method: "get",
      path: "/products",
      summary: "List products (public)",
      request: { query: ListQuerySchema },
      responses: {
        200: json(ProductPageSchema, "A page of products"),
        400: errorResponse("Bad limit or cursor"),
      },
    },
    async (c) => c.json(await listProducts(deps, parseInput(ListQuerySchema, c.req.query(), "(query)"))),
  );

  mount(
    api,
    {
      method: "get",
      path: "/products/{id}",
      summary: "Get a product (public)",
      request: { params },
      responses: { 200: json(ProductSchema, "The product"), 404: errorResponse("No product with that id") },
    },
    async (c) => c.json(await getProduct(deps, c.req.param("id") ?? "")),
  );

  mount(
    api,
    {
      method: "post",
      path: "/products",
      summary: "Create a product (admin)",
      security,
      request: {
        headers: IdempotencyHeaders,
        body: { content: { "application/json": { schema: CreateProductBodySchema } } },
      },
      responses: { 201: json(ProductSchema, "Created"), ...adminErrors, ...reusedKey },
    },
    signedIn,
    admin,
    jsonBody(CreateProductBodySchema),
    async (c) => {
      const { product, replayed } = await createProduct(
        deps,
        c.get("body") as CreateProductBody,
        idempotencyOf(c),
      );
      if (replayed) c.header("Idempotent-Replayed", "true");
      c.header("Location", `/products/${product.id}`);
      return c.json(product, 201);
    },
  );

  mount(
    api,
    {
      method: "patch",
      path: "/products/{id}",
      summary: "Change name, description or price (admin, optimistic concurrency on version)",
      description:
        "Applied only if the product is still at `version`, so a retry never applies a change twice: if the " +
        "first attempt landed (after a 503, say), the retry answers 409 VERSION_CONFLICT with the version now stored.",
      security,
      request: { params, body: { content: { "application/json": { schema: UpdateProductBodySchema } } } },
      responses: {
        200: json(ProductSchema, "Updated"),
        ...adminErrors,
        409: errorResponse("VERSION_CONFLICT: the product changed since that version"),
      },
    },
    signedIn,
    admin,
    jsonBody(UpdateProductBodySchema),
    async (c) =>
      c.json(await updateProduct(deps, c.req.param("id") ?? "", c.get("body") as UpdateProductBody)),
  );

  mount(
    api,
    {
      method: "post",
      path: "/products/{id}/stock",
      summary: "Add or remove stock (admin)",
      description:
        "Not idempotent by nature (each call adds `delta`): send an `Idempotency-Key` to make a retry safe; " +
        "a replay changes nothing and answers the product as it is now.",
      security,
      request: {
        params,
        headers: IdempotencyHeaders,
        body: { content: { "application/json": { schema: AdjustStockBodySchema } } },
      },
      responses: {
        200: json(ProductSchema, "Stock adjusted"),
        ...adminErrors,
        409: errorResponse("INSUFFICIENT_STOCK: removing more than is in stock"),
        ...reusedKey,
      },
    },
    signedIn,
    admin,
    jsonBody(AdjustStockBodySchema),
    async (c) => {
      const { delta } = c.get("body") as { delta: number };
      const { product, replayed } = await adjustStock(deps, c.req.param("id") ?? "", delta, idempotencyOf(c));
      if (replayed) c.header("Idempotent-Replayed", "true");
      return c.json(product);
    },
  );
}
