import type { CursorCodec } from "../shared/cursor.ts";
import { NotFoundError } from "../shared/errors.ts";
import { idempotencyToken } from "../shared/idempotency.ts";
import { isUuid } from "../shared/ids.ts";
import { paginate } from "../shared/pagination.ts";
import type { Clock, IdGenerator } from "../shared/ports.ts";
import type { CatalogStore } from "./ports.ts";
import type { CreateProductBody, ListQuery, Product, UpdateProductBody } from "./product.ts";

export interface CatalogDeps {
  catalog: CatalogStore;
  clock: Clock;
  ids: IdGenerator;
  cursors: CursorCodec;
}

const LISTING = "products";

/** Who asks for a write and under which `Idempotency-Key`, when the request sent one. */
export interface AdminIdempotency {
  admin: string;
  key: string;
}

const adminToken = (idempotency: AdminIdempotency, request: unknown) =>
  idempotencyToken(`admin:${idempotency.admin}`, idempotency.key, request);

export async function createProduct(
  deps: CatalogDeps,
  body: CreateProductBody,
  idempotency?: AdminIdempotency,
): Promise<{ product: Product; replayed: boolean }> {
  const nowMs = deps.clock.nowMs();
  const now = new Date(nowMs).toISOString();
  const product: Product = {
    id: deps.ids.timeOrdered(nowMs),
    ...body,
    images: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return deps.catalog.create(
    product,
    idempotency && adminToken(idempotency, { operation: "createProduct", body }),
  );
}

export async function getProduct(deps: Pick<CatalogDeps, "catalog">, id: string): Promise<Product> {
  const product = isUuid(id) ? await deps.catalog.get(id) : undefined;
  if (!product) throw new NotFoundError("Product", id);
  return product;
}

/** Products in creation order, a page at a time, with a signed cursor. */
export async function listProducts(deps: Pick<CatalogDeps, "catalog" | "cursors">, query: ListQuery) {
  return paginate(deps.cursors, LISTING, "after", query, (limit, after) => deps.catalog.list(limit, after));
}

/** Changes name, description or price, only if the product is still at the version the admin read. */
export async function updateProduct(
  deps: Pick<CatalogDeps, "catalog" | "clock">,
  id: string,
  body: UpdateProductBody,
): Promise<Product> {
  await getProduct(deps, id);
  const { version, ...changes } = body;
  return deps.catalog.update(id, changes, version, new Date(deps.clock.nowMs()).toISOString());
}

export async function adjustStock(
  deps: Pick<CatalogDeps, "catalog" | "clock">,
  id: string,
  delta: number,
  idempotency?: AdminIdempotency,
): Promise<{ product: Product; replayed: boolean }> {
  await getProduct(deps, id);
  return deps.catalog.adjustStock(
    id,
    delta,
    new Date(deps.clock.nowMs()).toISOString(),
    idempotency && adminToken(idempotency, { operation: "adjustStock", id, delta }),
  );
}
