import {
  AdjustStockBodySchema,
  type AdminIdempotency,
  adjustStock,
  CreateProductBodySchema,
  createProduct,
  getProduct,
  ListQuerySchema,
  listProducts,
  ProductPageSchema,
  ProductSchema,
  UpdateProductBodySchema,
  updateProduct,
} from "@meridian/core";
import type { MiddlewareHandler } from "hono";
import type * as z from "zod/mini";
import type { RouteDeps } from "../deps.ts";
import type { AppContext, AppEnv } from "../env.ts";
import { adminOnly } from "../middleware/admin.ts";
import { IdempotencyHeaders } from "./idempotency.ts";
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
function idempotencyOf(c: AppContext, key: string | undefined): AdminIdempotency | undefined {
  return key === undefined ? undefined : { admin: c.get("user").sub, key };
}

/** What an admin's write may answer; `POST /products` names no product, so it has no 404. */
const { 404: noProduct, ...adminErrorsOnCreate } = {
  400: errorResponse("Malformed JSON or a field violates the schema"),
  401: errorResponse("Missing, invalid or expired token"),
  403: errorResponse("Needs the admin role"),
  404: errorResponse("No product with that id"),
};
const adminErrors = { ...adminErrorsOnCreate, 404: noProduct };

export function productRoutes(api: ApiBuilder, deps: RouteDeps, signedIn: MiddlewareHandler<AppEnv>) {
  mount(
    api,
    {
      method: "get",
      path: "/products",
      useCase: "listProducts",
      summary: "List products (public)",
      request: { query: ListQuerySchema },
      responses: {
        200: json(ProductPageSchema, "A page of products"),
        400: errorResponse("Bad limit or cursor"),
      },
    },
    async (c, { query }) => c.json(await listProducts(deps, query)),
  );

  mount(
    api,
    {
      method: "get",
      path: "/products/{id}",
      useCase: "getProduct",
      summary: "Get a product (public)",
      request: { params },
      responses: { 200: json(ProductSchema, "The product"), 404: errorResponse("No product with that id") },
    },
    async (c, { params }) => c.json(await getProduct(deps, params.id ?? "")),
  );

  mount(
    api,
    {
      method: "post",
      path: "/products",
      useCase: "createProduct",
      summary: "Create a product (admin)",
      security,
      use: [signedIn, adminOnly],
      request: { headers: IdempotencyHeaders, body: { schema: CreateProductBodySchema } },
      responses: { 201: json(ProductSchema, "Created"), ...adminErrorsOnCreate, ...reusedKey },
    },
    async (c, { body, headers }) => {
      const { product, replayed } = await createProduct(
        deps,
        body,
        idempotencyOf(c, headers["idempotency-key"]),
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
      useCase: "updateProduct",
      summary: "Change name, description or price (admin, optimistic concurrency on version)",
      description:
        "Applied only if the product is still at `version`, so a retry never applies a change twice: if the " +
        "first attempt landed (after a 503, say), the retry answers 409 VERSION_CONFLICT with the version now stored.",
      security,
      use: [signedIn, adminOnly],
      request: { params, body: { schema: UpdateProductBodySchema } },
      responses: {
        200: json(ProductSchema, "Updated"),
        ...adminErrors,
        409: errorResponse("VERSION_CONFLICT: the product changed since that version"),
      },
    },
    async (c, { params, body }) => c.json(await updateProduct(deps, params.id ?? "", body)),
  );

  mount(
    api,
    {
      method: "post",
      path: "/products/{id}/stock",
      useCase: "adjustStock",
      summary: "Add or remove stock (admin)",
      description:
        "Not idempotent by nature (each call adds `delta`): send an `Idempotency-Key` to make a retry safe; " +
        "a replay changes nothing and answers the product as it is now.",
      security,
      use: [signedIn, adminOnly],
      request: { params, headers: IdempotencyHeaders, body: { schema: AdjustStockBodySchema } },
      responses: {
        200: json(ProductSchema, "Stock adjusted"),
        ...adminErrors,
        409: errorResponse("INSUFFICIENT_STOCK: removing more than is in stock"),
        ...reusedKey,
      },
    },
    async (c, { params, body, headers }) => {
      const idempotency = idempotencyOf(c, headers["idempotency-key"]);
      const { product, replayed } = await adjustStock(deps, params.id ?? "", body.delta, idempotency);
      if (replayed) c.header("Idempotent-Replayed", "true");
      return c.json(product);
    },
  );
}
