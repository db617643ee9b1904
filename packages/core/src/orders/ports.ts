import type { IdempotencyToken } from "../shared/idempotency.ts";
import type { OrderAllowance } from "./limits.ts";
import type { Order, OrderStatus } from "./order.ts";

/** The customer's allowance was written by another request since it was read: read it again. */
export class AllowanceChangedError extends Error {
  constructor() {
    super("The order allowance changed since it was read");
    this.name = "AllowanceChangedError";
  }
}

/** The outcome of trying to reserve an order's stock. */
export type ReservationOutcome =
  | { result: "CONFIRMED" }
  | { result: "REJECTED"; productId: string }
  /** The order was no longer PENDING (already processed or cancelled): nothing was changed. */
  | { result: "SKIPPED" };

export interface OrderStore {
  /**
   * Stores a new PENDING order. With `allowance`, the customer's allowance after it goes in the same write,
   * which happens only if the allowance is still at the version read (else `AllowanceChangedError`). With a
   * `token`, a retry returns the first order and writes nothing.
   */
  create(
    order: Order,
    options?: { allowance?: OrderAllowance; token?: IdempotencyToken },
  ): Promise<{ order: Order; replayed: boolean }>;
  /** The order a token placed, if it did (the retry of a request that was answered, or not, before). */
  placedWith(token: IdempotencyToken): Promise<Order | undefined>;
  /** The customer's allowance as last written (a consistent read); undefined before their first order. */
  getAllowance(customerId: string): Promise<OrderAllowance | undefined>;
  /** Writes the allowance if it is still at the version read; false when another request wrote first. */
  saveAllowance(customerId: string, allowance: OrderAllowance): Promise<boolean>;
  get(id: string): Promise<Order | undefined>;
  /** The customer's orders, newest first, before `beforeId` when given. */
  listByCustomer(customerId: string, limit: number, beforeId?: string): Promise<Order[]>;
  /** All orders with a status, newest first (admins; the metrics job). */
  listByStatus(status: OrderStatus, limit: number, beforeId?: string): Promise<Order[]>;
  /**
   * One transaction: every line's stock decremented on `stock >= quantity`, the order set CONFIRMED on
   * `status = PENDING`. A stock condition failure sets the order REJECTED (OUT_OF_STOCK) instead.
   */
  reserve(order: Order, atIso: string): Promise<ReservationOutcome>;
  /**
   * PENDING → CANCELLED, or CONFIRMED → CANCELLED with every line's stock given back, in one transaction
   * conditioned on the status read, so stock comes back exactly once. Returns the order as stored after.
   */
  cancel(order: Order, atIso: string): Promise<Order | undefined>;
}
