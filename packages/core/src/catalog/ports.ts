import type { Product } from "./product.ts";

export interface ProductChanges {
  name?: string;
  description?: string;
  price?: number;
  currency?: string;
}

export interface CatalogStore {
  create(product: Product): Promise<void>;
  get(id: string): Promise<Product | undefined>;
  /** Strongly consistent reads of several products; missing ids are absent from the result. */
  getMany(ids: string[]): Promise<Map<string, Product>>;
  /** Oldest first (ids are time-ordered), after `afterId` when given. */
  list(limit: number, afterId?: string): Promise<Product[]>;
  /** Applies changes if the stored version is `expectedVersion`; throws VersionConflictError otherwise. */
  update(id: string, changes: ProductChanges, expectedVersion: number, atIso: string): Promise<Product>;
  /** Adds `delta` to stock atomically; throws InsufficientStockError when stock would go below zero. */
  adjustStock(id: string, delta: number, atIso: string): Promise<Product>;
}
