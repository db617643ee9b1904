import type { CursorCodec } from "../shared/cursor.ts";
import { NotFoundError } from "../shared/errors.ts";
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

export async function createProduct(deps: CatalogDeps, body: CreateProductBody): Promise<Product> {
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
  await deps.catalog.create(product);
  return product;
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
): Promise<Product> {
  await getProduct(deps, id);
  return deps.catalog.adjustStock(id, delta, new Date(deps.clock.nowMs()).toISOString());
}
