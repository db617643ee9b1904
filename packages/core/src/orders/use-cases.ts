import { requireAdmin, type UserPrincipal } from "../auth/principal.ts";
import type { CatalogStore } from "../catalog/ports.ts";
import type { CursorCodec } from "../shared/cursor.ts";
import { InvalidCursorError, NotFoundError } from "../shared/errors.ts";
import { idempotencyToken } from "../shared/idempotency.ts";
import { isUuid } from "../shared/ids.ts";
import { paginate } from "../shared/pagination.ts";
import type { Clock, IdGenerator } from "../shared/ports.ts";
import {
  MixedCurrencyError,
  OrderNotCancellableError,
  TooManyOrdersError,
  UnknownProductError,
} from "./errors.ts";
import { admitOrder, type OrderLimits, releaseOrder } from "./limits.ts";
import type { ListOrdersQuery, Order, PlaceOrderBody } from "./order.ts";
import { AllowanceChangedError, type OrderStore, type ReservationOutcome } from "./ports.ts";

export interface OrderDeps {
  orders: OrderStore;
  catalog: CatalogStore;
  clock: Clock;
  ids: IdGenerator;
  cursors: CursorCodec;
  limits: OrderLimits;
}

/** How often a request re-reads an allowance that another request of the same customer wrote meanwhile. */
const ALLOWANCE_ATTEMPTS = 8;
const pause = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));

export interface PlaceOrderCommand {
  customer: UserPrincipal;
  body: PlaceOrderBody;
  idempotencyKey?: string;
  /** The request id of the POST, carried on the order so the stream processor can log it. */
  correlationId?: string;
}

/**
 * Stores a PENDING order priced from the catalog (never from the client), within the customer's limits
 * (OrderLimits): the order and the customer's counts are written together, over the counts read, so that
 * concurrent orders of one customer cannot both pass the last free place. Stock is reserved later by the
 * order stream processor.
 */
export async function placeOrder(
  deps: Pick<OrderDeps, "orders" | "catalog" | "clock" | "ids" | "limits">,
  command: PlaceOrderCommand,
): Promise<{ order: Order; replayed: boolean }> {
  const products = await deps.catalog.getMany(command.body.lines.map((line) => line.productId));
  const lines = command.body.lines.map((line) => {
    const product = products.get(line.productId);
    if (!product) throw new UnknownProductError(line.productId);
    return { productId: line.productId, quantity: line.quantity, unitPrice: product.price };
  });
  const currencies = new Set([...products.values()].map((p) => p.currency));
  if (currencies.size !== 1) throw new MixedCurrencyError();

  const nowMs = deps.clock.nowMs();
  const now = new Date(nowMs).toISOString();
  const order: Order = {
    id: deps.ids.timeOrdered(nowMs),
    customerId: command.customer.sub,
    lines,
    total: lines.reduce((sum, line) => sum + line.quantity * line.unitPrice, 0),
    currency: [...currencies][0] as string,
    status: "PENDING",
    createdAt: now,
    updatedAt: now,
  };
  if (command.correlationId) order.correlationId = command.correlationId;
  const token = command.idempotencyKey
    ? idempotencyToken(`customer:${command.customer.sub}`, command.idempotencyKey, command.body)
    : undefined;
  for (let attempt = 1; ; attempt++) {
    const current = await deps.orders.getAllowance(order.customerId);
    let next: ReturnType<typeof admitOrder>;
    try {
      next = admitOrder(current, order, deps.limits, nowMs);
    } catch (limit) {
      // The retry of an order that was placed is answered with it, even at the limit it now reaches.
      const placed = token && (await deps.orders.placedWith(token));
      if (placed) return { order: placed, replayed: true };
      throw limit;
    }
    try {
      return await deps.orders.create(order, { allowance: next, token });
    } catch (error) {
      if (!(error instanceof AllowanceChangedError)) throw error;
      // Nothing was written; the customer's other orders keep winning the race for their counts.
      if (attempt >= ALLOWANCE_ATTEMPTS)
        throw new TooManyOrdersError("Too many orders at once from one customer; retry", 1);
      await pause(attempt);
    }
  }
}

/**
 * Gives a cancelled or rejected order's place and units back to its day's counts. It fails safe: when it
 * cannot write (the same customer's requests kept winning), the counts stay high until the day ends.
 */
async function releaseAllowance(deps: Pick<OrderDeps, "orders">, order: Order): Promise<void> {
  try {
    for (let attempt = 0; attempt < ALLOWANCE_ATTEMPTS; attempt++) {
      const next = releaseOrder(await deps.orders.getAllowance(order.customerId), order);
      if (!next || (await deps.orders.saveAllowance(order.customerId, next))) return;
      await pause(attempt + 1);
    }
  } catch {
    // The order's change is committed; a failed give-back must not make it look failed (a retry would find
    // it done and give nothing back either). The counts stay high until the day ends: the safe side.
  }
}

/** The caller's own order (admins may read any); another customer's order is reported as not found. */
export async function getOrder(
  deps: Pick<OrderDeps, "orders">,
  user: UserPrincipal,
  id: string,
): Promise<Order> {
  const order = isUuid(id) ? await deps.orders.get(id) : undefined;
  if (!order || (order.customerId !== user.sub && user.role !== "admin"))
    throw new NotFoundError("Order", id);
  return order;
}

/** The caller's orders newest first; with `status`, all orders in that status (admins only). */
export async function listOrders(
  deps: Pick<OrderDeps, "orders" | "cursors">,
  user: UserPrincipal,
  query: ListOrdersQuery,
) {
  if (query.status) requireAdmin(user);
  const listing = query.status ? `orders:status:${query.status}` : `orders:customer:${user.sub}`;
  const status = query.status;
  return paginate(deps.cursors, listing, "before", query, (limit, before) =>
    status
      ? deps.orders.listByStatus(status, limit, before)
      : deps.orders.listByCustomer(user.sub, limit, before),
  );
}

/**
 * Cancels a PENDING or CONFIRMED order; a CONFIRMED one gets its stock back, exactly once. Cancelling a
 * cancelled order returns it unchanged; a REJECTED order cannot be cancelled.
 */
export async function cancelOrder(
  deps: Pick<OrderDeps, "orders" | "clock">,
  user: UserPrincipal,
  id: string,
): Promise<Order> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const order = await getOrder(deps, user, id);
    if (order.status === "CANCELLED") return order;
    if (order.status === "REJECTED") throw new OrderNotCancellableError(id, order.status);
    const cancelled = await deps.orders.cancel(order, new Date(deps.clock.nowMs()).toISOString());
    if (cancelled) {
      // Only the request that made the change gives the units back, so they come back once.
      await releaseAllowance(deps, order);
      return cancelled;
    }
    // The status changed under us (the processor confirmed it, or another cancel won): read again.
  }
  throw new OrderNotCancellableError(id, "changing too fast");
}

/**
 * Reserves a new order's stock (the stream processor's use case): CONFIRMED, or REJECTED with the first
 * product out of stock, which gives the customer's allowance back. An order no longer PENDING is SKIPPED,
 * so re-delivery is harmless.
 */
export async function reserveStock(
  deps: Pick<OrderDeps, "orders" | "clock">,
  order: Order,
): Promise<ReservationOutcome> {
  if (order.status !== "PENDING") return { result: "SKIPPED" };
  const outcome = await deps.orders.reserve(order, new Date(deps.clock.nowMs()).toISOString());
  if (outcome.result === "REJECTED") await releaseAllowance(deps, order);
  return outcome;
}

/** At most this many orders per bulk cancel request (each is a transaction); `nextCursor` says to ask again. */
export const BULK_CANCEL_MAX = 50;
/** At most this many of the customer's orders are read per request, open or not. */
const BULK_CANCEL_SCAN = 500;
const BULK_CANCEL_PARALLEL = 10;

/**
 * Cancels a customer's open orders (PENDING or CONFIRMED), newest first, up to BULK_CANCEL_MAX per call
 * (admins only): for an account that reserved stock it should not have. Each call goes on from where the
 * last stopped (`cursor`, the `nextCursor` it answered) until `nextCursor` is null; repeating one is safe.
 */
export async function cancelCustomerOrders(
  deps: Pick<OrderDeps, "orders" | "clock" | "cursors">,
  admin: UserPrincipal,
  customerId: string,
  cursor?: string,
): Promise<{ cancelled: string[]; nextCursor: string | null }> {
  requireAdmin(admin);
  const listing = `orders:bulk-cancel:${customerId}`;
  let before: string | undefined;
  if (cursor !== undefined) {
    const position = deps.cursors.decode(listing, cursor).before;
    if (typeof position !== "string" || !isUuid(position)) throw new InvalidCursorError();
    before = position;
  }
  const open: Order[] = [];
  let scanned = 0;
  let exhausted = false;
  // Newest first; cancelled and rejected orders are passed over, at most BULK_CANCEL_SCAN read in all.
  while (open.length < BULK_CANCEL_MAX && scanned < BULK_CANCEL_SCAN) {
    const page = await deps.orders.listByCustomer(customerId, 100, before);
    let full = false;
    for (const order of page) {
      if (open.length >= BULK_CANCEL_MAX) {
        full = true;
        break;
      }
      scanned++;
      before = order.id;
      if (order.status === "PENDING" || order.status === "CONFIRMED") open.push(order);
    }
    if (!full && page.length < 100) {
      exhausted = true;
      break;
    }
  }
  const cancelled: string[] = [];
  for (let i = 0; i < open.length; i += BULK_CANCEL_PARALLEL) {
    const batch = open.slice(i, i + BULK_CANCEL_PARALLEL);
    const results = await Promise.allSettled(batch.map((order) => cancelOrder(deps, admin, order.id)));
    results.forEach((result, j) => {
      if (result.status === "fulfilled" && result.value.status === "CANCELLED")
        cancelled.push(batch[j]?.id as string);
      // Rejected meanwhile (out of stock): nothing to cancel. Any other failure is the caller's 503 below.
      else if (result.status === "rejected" && !(result.reason instanceof OrderNotCancellableError))
        throw result.reason;
    });
  }
  const nextCursor = exhausted || before === undefined ? null : deps.cursors.encode(listing, { before });
  return { cancelled, nextCursor };
}
