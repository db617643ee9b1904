import type { IdempotencyToken } from "../shared/idempotency.ts";
import type { Product } from "./product.ts";

export interface ProductChanges {
  name?: string;
  description?: string;
  price?: number;
  currency?: string;
}

export interface CatalogStore {
  /**
   * Writes a new product. With a token, a retry of the same request writes nothing and returns the first
   * product (`replayed`); the same key for another request throws IdempotencyKeyReusedError.
   */
  create(product: Product, token?: IdempotencyToken): Promise<{ product: Product; replayed: boolean }>;
  get(id: string): Promise<Product | undefined>;
  /** Strongly consistent reads of several products; missing ids are absent from the result. */
  getMany(ids: string[]): Promise<Map<string, Product>>;
  /** Oldest first (ids are time-ordered), after `afterId` when given. */
  list(limit: number, afterId?: string): Promise<Product[]>;
  /** Applies changes if the stored version is `expectedVersion`; throws VersionConflictError otherwise. */
  update(id: string, changes: ProductChanges, expectedVersion: number, atIso: string): Promise<Product>;
  /**
   * Adds `delta` to stock atomically; throws InsufficientStockError when stock would go below zero. With a
   * token, a retry of the same request changes nothing and returns the product as it is (`replayed`).
   */
  adjustStock(
    id: string,
    delta: number,
    atIso: string,
    token?: IdempotencyToken,
  ): Promise<{ product: Product; replayed: boolean }>;
}
