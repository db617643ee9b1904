import {
  AllowanceChangedError,
  type CatalogStore,
  type Clock,
  IdempotencyKeyReusedError,
  type IdempotencyToken,
  type IdGenerator,
  InsufficientStockError,
  type Order,
  type OrderAllowance,
  type OrderStatus,
  type OrderStore,
  type Product,
  type ProductChanges,
  type ReservationOutcome,
  VersionConflictError,
} from "@meridian/core";

/**
 * In-memory test doubles of the core PORTS (CatalogStore, OrderStore), written from the contracts in
 * packages/core/src/{catalog,orders}/ports.ts, so the use cases run unchanged against them. The adapters'
 * DynamoDB implementations are tested against DynamoDB Local; these only stand in for them in unit tests.
 * Each records its calls and offers hooks to play a concurrent request at the right moment.
 */

export const NOW_MS = Date.UTC(2026, 11, 4, 12, 0, 0);

export function fixedClock(nowMs = NOW_MS): Clock & { set(ms: number): void } {
  let now = nowMs;
  return {
    nowMs: () => now,
    set(ms) {
      now = ms;
    },
  };
}

/** Lower-case UUIDs (version 7 shape) from a counter: they sort in the order they were made. */
export function sequentialIds(): IdGenerator {
  let next = 0;
  return {
    timeOrdered() {
      next += 1;
      return `00000000-0000-7000-8000-${next.toString(16).padStart(12, "0")}`;
    },
  };
}

const slot = (token: IdempotencyToken) => `${token.scope}\0${token.key}`;
const newestFirst = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/** Remembers which request a token answered; a token of another request is IDEMPOTENCY_KEY_REUSED. */
class TokenLedger {
  private readonly seen = new Map<string, { fingerprint: string; id: string }>();

  /** The id the token answered before, or undefined the first time (then `remember` it). */
  answered(token: IdempotencyToken | undefined): string | undefined {
    if (!token) return undefined;
    const seen = this.seen.get(slot(token));
    if (seen && seen.fingerprint !== token.fingerprint) throw new IdempotencyKeyReusedError();
    return seen?.id;
  }

  remember(token: IdempotencyToken | undefined, id: string): void {
    if (token) this.seen.set(slot(token), { fingerprint: token.fingerprint, id });
  }
}

export class InMemoryCatalogStore implements CatalogStore {
  readonly products = new Map<string, Product>();
  readonly calls: { method: string; args: unknown[] }[] = [];
  private readonly tokens = new TokenLedger();

  /** Puts a product straight into the store (test set-up, not a use case). */
  seed(product: Partial<Product> & Pick<Product, "id">): Product {
    const full: Product = {
      name: "Lamp",
      description: "",
      price: 500,
      currency: "EUR",
      stock: 10,
      images: [],
      version: 1,
      createdAt: new Date(NOW_MS).toISOString(),
      updatedAt: new Date(NOW_MS).toISOString(),
      ...product,
    };
    this.products.set(full.id, structuredClone(full));
    return full;
  }

  async create(product: Product, token?: IdempotencyToken) {
    this.calls.push({ method: "create", args: [product, token] });
    const first = this.tokens.answered(token);
    if (first) return { product: structuredClone(this.products.get(first) as Product), replayed: true };
    if (this.products.has(product.id)) throw new Error(`duplicate product id ${product.id}`);
    this.products.set(product.id, structuredClone(product));
    this.tokens.remember(token, product.id);
    return { product, replayed: false };
  }

  async get(id: string) {
    this.calls.push({ method: "get", args: [id] });
    const product = this.products.get(id);
    return product && structuredClone(product);
  }

  async getMany(ids: string[]) {
    this.calls.push({ method: "getMany", args: [ids] });
    const found = new Map<string, Product>();
    for (const id of ids) {
      const product = this.products.get(id);
      if (product) found.set(id, structuredClone(product));
    }
    return found;
  }

  async list(limit: number, afterId?: string) {
    this.calls.push({ method: "list", args: [limit, afterId] });
    return [...this.products.values()]
      .filter((p) => afterId === undefined || p.id > afterId)
      .sort((a, b) => newestFirst(b, a))
      .slice(0, limit)
      .map((p) => structuredClone(p));
  }

  async update(id: string, changes: ProductChanges, expectedVersion: number, atIso: string) {
    this.calls.push({ method: "update", args: [id, changes, expectedVersion, atIso] });
    const product = this.products.get(id);
    if (!product) throw new Error(`no product ${id}`);
    if (product.version !== expectedVersion) throw new VersionConflictError(id, product.version);
    const updated = { ...product, ...changes, version: product.version + 1, updatedAt: atIso };
    this.products.set(id, updated);
    return structuredClone(updated);
  }

  async adjustStock(id: string, delta: number, atIso: string, token?: IdempotencyToken) {
    this.calls.push({ method: "adjustStock", args: [id, delta, atIso, token] });
    const product = this.products.get(id);
    if (!product) throw new Error(`no product ${id}`);
    if (this.tokens.answered(token)) return { product: structuredClone(product), replayed: true };
    if (product.stock + delta < 0) throw new InsufficientStockError(id);
    const updated = {
      ...product,
      stock: product.stock + delta,
      version: product.version + 1,
      updatedAt: atIso,
    };
    this.products.set(id, updated);
    this.tokens.remember(token, id);
    return { product: structuredClone(updated), replayed: false };
  }
}

/** Hooks that let a test act as another request at a given moment; each may throw to inject a fault. */
export interface OrderStoreHooks {
  /** Before `create` checks the allowance version (another request of the customer may write it here). */
  beforeCreate?: (order: Order) => void | Promise<void>;
  /** Before `cancel` checks the status read (the processor may confirm or reject the order here). */
  beforeCancel?: (order: Order) => void | Promise<void>;
  /** After `listByCustomer` answered (the orders it returned may change status here). */
  afterListByCustomer?: (orders: Order[]) => void;
}

export class InMemoryOrderStore implements OrderStore {
  readonly orders = new Map<string, Order>();
  readonly allowances = new Map<string, OrderAllowance>();
  readonly calls: { method: string; args: unknown[] }[] = [];
  hooks: OrderStoreHooks = {};
  private readonly tokens = new TokenLedger();

  constructor(private readonly catalog?: InMemoryCatalogStore) {}

  count(method: string): number {
    return this.calls.filter((call) => call.method === method).length;
  }

  /** Puts an order straight into the store (test set-up, not a use case). */
  seed(order: Order): Order {
    this.orders.set(order.id, structuredClone(order));
    return order;
  }

  /** Changes a stored order's status, as the stream processor would. */
  setStatus(id: string, status: OrderStatus): void {
    const order = this.orders.get(id);
    if (!order) throw new Error(`no order ${id}`);
    this.orders.set(id, { ...order, status });
  }

  /** Writes an allowance over whatever is stored, as a concurrent request of the customer would. */
  overwriteAllowance(customerId: string, allowance: Omit<OrderAllowance, "version">): void {
    const version = (this.allowances.get(customerId)?.version ?? 0) + 1;
    this.allowances.set(customerId, { ...structuredClone(allowance), version });
  }

  async create(order: Order, options: { allowance?: OrderAllowance; token?: IdempotencyToken } = {}) {
    this.calls.push({ method: "create", args: [order, options] });
    await this.hooks.beforeCreate?.(order);
    const first = this.tokens.answered(options.token);
    if (first) return { order: structuredClone(this.orders.get(first) as Order), replayed: true };
    const { allowance } = options;
    if (allowance) {
      const stored = this.allowances.get(order.customerId)?.version ?? 0;
      if (stored !== allowance.version) throw new AllowanceChangedError();
      this.allowances.set(order.customerId, { ...structuredClone(allowance), version: stored + 1 });
    }
    if (this.orders.has(order.id)) throw new Error(`duplicate order id ${order.id}`);
    this.orders.set(order.id, structuredClone(order));
    this.tokens.remember(options.token, order.id);
    return { order, replayed: false };
  }

  async placedWith(token: IdempotencyToken) {
    this.calls.push({ method: "placedWith", args: [token] });
    const id = this.tokens.answered(token);
    const order = id ? this.orders.get(id) : undefined;
    return order && structuredClone(order);
  }

  async getAllowance(customerId: string) {
    this.calls.push({ method: "getAllowance", args: [customerId] });
    const allowance = this.allowances.get(customerId);
    return allowance && structuredClone(allowance);
  }

  async saveAllowance(customerId: string, allowance: OrderAllowance) {
    this.calls.push({ method: "saveAllowance", args: [customerId, allowance] });
    const stored = this.allowances.get(customerId)?.version ?? 0;
    if (stored !== allowance.version) return false;
    this.allowances.set(customerId, { ...structuredClone(allowance), version: stored + 1 });
    return true;
  }

  async get(id: string) {
    this.calls.push({ method: "get", args: [id] });
    const order = this.orders.get(id);
    return order && structuredClone(order);
  }

  async listByCustomer(customerId: string, limit: number, beforeId?: string) {
    this.calls.push({ method: "listByCustomer", args: [customerId, limit, beforeId] });
    const page = this.newest((o) => o.customerId === customerId, limit, beforeId);
    this.hooks.afterListByCustomer?.(page);
    return page;
  }

  async listByStatus(status: OrderStatus, limit: number, beforeId?: string) {
    this.calls.push({ method: "listByStatus", args: [status, limit, beforeId] });
    return this.newest((o) => o.status === status, limit, beforeId);
  }

  async reserve(order: Order, atIso: string): Promise<ReservationOutcome> {
    this.calls.push({ method: "reserve", args: [order, atIso] });
    const stored = this.orders.get(order.id);
    if (stored?.status !== "PENDING") return { result: "SKIPPED" };
    const short = order.lines.find(
      (line) => (this.catalog?.products.get(line.productId)?.stock ?? 0) < line.quantity,
    );
    if (short) {
      this.orders.set(order.id, { ...stored, status: "REJECTED", reason: "OUT_OF_STOCK", updatedAt: atIso });
      return { result: "REJECTED", productId: short.productId };
    }
    this.moveStock(order, -1);
    this.orders.set(order.id, { ...stored, status: "CONFIRMED", updatedAt: atIso });
    return { result: "CONFIRMED" };
  }

  async cancel(order: Order, atIso: string) {
    this.calls.push({ method: "cancel", args: [order, atIso] });
    await this.hooks.beforeCancel?.(order);
    const stored = this.orders.get(order.id);
    // Conditioned on the status read, as the port promises.
    if (!stored || stored.status !== order.status) return undefined;
    if (stored.status === "CONFIRMED") this.moveStock(order, +1);
    const cancelled: Order = { ...stored, status: "CANCELLED", updatedAt: atIso };
    this.orders.set(order.id, cancelled);
    return structuredClone(cancelled);
  }

  private moveStock(order: Order, sign: 1 | -1): void {
    for (const line of order.lines) {
      const product = this.catalog?.products.get(line.productId);
      if (product) product.stock += sign * line.quantity;
    }
  }

  private newest(keep: (order: Order) => boolean, limit: number, beforeId?: string): Order[] {
    return [...this.orders.values()]
      .filter((o) => keep(o) && (beforeId === undefined || o.id < beforeId))
      .sort(newestFirst)
      .slice(0, limit)
      .map((o) => structuredClone(o));
  }
}
