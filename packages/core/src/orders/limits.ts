import { OrderLimitReachedError, TooManyOrdersError } from "./errors.ts";
import type { Order } from "./order.ts";

/**
 * What one customer may hold, so that one account (sign-up is open) cannot reserve the whole stock. Counted
 * per UTC day: the orders placed that day that are still open (PENDING or CONFIRMED, not CANCELLED or
 * REJECTED), and the units of each product they hold; plus a sliding minute for the rate of placing.
 */
export interface OrderLimits {
  /** Open orders placed in one UTC day. */
  openOrdersPerDay: number;
  /** Units of one product across those orders. */
  unitsPerProductPerDay: number;
  /** Orders placed in any 60 s, whatever became of them. */
  ordersPerMinute: number;
}

export const DEFAULT_ORDER_LIMITS: OrderLimits = {
  openOrdersPerDay: 10,
  unitsPerProductPerDay: 20,
  ordersPerMinute: 5,
};

/** One customer's counts, stored beside their orders and written only over the version that was read. */
export interface OrderAllowance {
  /** The UTC day (`YYYY-MM-DD`) `openOrders` and `units` count. */
  day: string;
  openOrders: number;
  /** Units per product id held by that day's open orders. */
  units: Record<string, number>;
  /** When the customer's latest orders were placed (ms since 1970), oldest first, at most `ordersPerMinute`. */
  placedAtMs: number[];
  /** The version read (0: none stored yet); the store writes `version + 1` only if it is still this one. */
  version: number;
}

const MINUTE_MS = 60_000;
const dayOf = (iso: string) => iso.slice(0, 10);

/**
 * The allowance after placing `order` at `nowMs`, or the limit it breaks: `TooManyOrdersError` (429, with the
 * seconds until a slot frees) for the rate, `OrderLimitReachedError` (409) for the day's counts.
 */
export function admitOrder(
  current: OrderAllowance | undefined,
  order: Pick<Order, "lines" | "createdAt">,
  limits: OrderLimits,
  nowMs: number,
): OrderAllowance {
  const recent = (current?.placedAtMs ?? []).filter((at) => at > nowMs - MINUTE_MS);
  const oldest = recent[recent.length - limits.ordersPerMinute];
  if (oldest !== undefined) {
    const retryAfter = Math.max(1, Math.ceil((oldest + MINUTE_MS - nowMs) / 1000));
    throw new TooManyOrdersError(
      `At most ${limits.ordersPerMinute} orders a minute; retry after ${retryAfter} s`,
      retryAfter,
      { ordersPerMinute: limits.ordersPerMinute },
    );
  }
  // Never back to an earlier day: an instance whose clock is a little behind, just after 00:00 UTC, counts
  // on the day already begun rather than wiping its counts.
  const ordered = dayOf(order.createdAt);
  const day = current && current.day > ordered ? current.day : ordered;
  const sameDay = current?.day === day;
  const openOrders = (sameDay ? current.openOrders : 0) + 1;
  if (openOrders > limits.openOrdersPerDay) {
    throw new OrderLimitReachedError("openOrdersPerDay", limits.openOrdersPerDay);
  }
  const units = sameDay ? { ...current.units } : {};
  for (const line of order.lines) {
    const held = units[line.productId] ?? 0;
    if (held + line.quantity > limits.unitsPerProductPerDay) {
      throw new OrderLimitReachedError("unitsPerProductPerDay", limits.unitsPerProductPerDay, {
        productId: line.productId,
        held,
      });
    }
    units[line.productId] = held + line.quantity;
  }
  return {
    day,
    openOrders,
    units,
    placedAtMs: [...recent, nowMs].slice(-limits.ordersPerMinute),
    version: current?.version ?? 0,
  };
}

/**
 * The allowance after `order` stopped being open (cancelled or rejected): its day's counts give its units
 * back. Undefined when there is nothing to give back (no allowance, or the order is from another day).
 */
export function releaseOrder(
  current: OrderAllowance | undefined,
  order: Pick<Order, "lines" | "createdAt">,
): OrderAllowance | undefined {
  if (!current || current.day !== dayOf(order.createdAt)) return undefined;
  const units = { ...current.units };
  for (const line of order.lines) {
    const left = (units[line.productId] ?? 0) - line.quantity;
    if (left > 0) units[line.productId] = left;
    else delete units[line.productId];
  }
  return { ...current, openOrders: Math.max(0, current.openOrders - 1), units };
}
