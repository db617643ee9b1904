import type { IdempotencyToken } from "../shared/idempotency.ts";
import type { Order, OrderStatus } from "./order.ts";

/** The outcome of trying to reserve an order's stock. */
export type ProcessOutcome =
  | { result: "CONFIRMED" }
  | { result: "REJECTED"; productId: string }
  /** The order was no longer PENDING (already processed or cancelled): nothing was changed. */
  | { result: "SKIPPED" };

export interface OrderStore {
  /** Stores a new PENDING order; with a token, a retry returns the first order and writes nothing. */
  create(order: Order, token?: IdempotencyToken): Promise<{ order: Order; replayed: boolean }>;
  get(id: string): Promise<Order | undefined>;
  /** The customer's orders, newest first, before `beforeId` when given. */
  listByCustomer(customerId: string, limit: number, beforeId?: string): Promise<Order[]>;
  /** All orders with a status, newest first (admins; the metrics job). */
  listByStatus(status: OrderStatus, limit: number, beforeId?: string): Promise<Order[]>;
  /**
   * One transaction: every line's stock decremented on `stock >= quantity`, the order set CONFIRMED on
   * `status = PENDING`. A stock condition failure sets the order REJECTED (OUT_OF_STOCK) instead.
   */
  reserve(order: Order, atIso: string): Promise<ProcessOutcome>;
  /**
   * PENDING → CANCELLED, or CONFIRMED → CANCELLED with every line's stock given back, in one transaction
   * conditioned on the status read, so stock comes back exactly once. Returns the order as stored after.
   */
  cancel(order: Order, atIso: string): Promise<Order | undefined>;
}
