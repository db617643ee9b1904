import { requireAdmin, type UserPrincipal } from "../auth/principal.ts";
import type { CatalogStore } from "../catalog/ports.ts";
import type { CursorCodec } from "../shared/cursor.ts";
import { NotFoundError } from "../shared/errors.ts";
import { idempotencyToken } from "../shared/idempotency.ts";
import { isUuid } from "../shared/ids.ts";
import { paginate } from "../shared/pagination.ts";
import type { Clock, IdGenerator } from "../shared/ports.ts";
import { MixedCurrencyError, OrderNotCancellableError, UnknownProductError } from "./errors.ts";
import type { ListOrdersQuery, Order, PlaceOrderBody } from "./order.ts";
import type { OrderStore, ProcessOutcome } from "./ports.ts";

export interface OrderDeps {
  orders: OrderStore;
  catalog: CatalogStore;
  clock: Clock;
  ids: IdGenerator;
  cursors: CursorCodec;
}

export interface PlaceOrderCommand {
  customer: UserPrincipal;
  body: PlaceOrderBody;
  idempotencyKey?: string;
  /** The request id of the POST, carried on the order so the stream processor can log it. */
  correlationId?: string;
}

/**
 * Stores a PENDING order priced from the catalog (never from the client). Stock is reserved later by
 * the order stream processor.
 */
export async function placeOrder(
  deps: Pick<OrderDeps, "orders" | "catalog" | "clock" | "ids">,
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
  if (!command.idempotencyKey) return deps.orders.create(order);
  return deps.orders.create(
    order,
    idempotencyToken(`customer:${command.customer.sub}`, command.idempotencyKey, command.body),
  );
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
    if (cancelled) return cancelled;
    // The status changed under us (the processor confirmed it, or another cancel won): read again.
  }
  throw new OrderNotCancellableError(id, "changing too fast");
}

/** Reserves stock for a new order (the stream processor's use case). Re-delivery is harmless. */
export async function processOrder(
  deps: Pick<OrderDeps, "orders" | "clock">,
  order: Order,
): Promise<ProcessOutcome> {
  if (order.status !== "PENDING") return { result: "SKIPPED" };
  return deps.orders.reserve(order, new Date(deps.clock.nowMs()).toISOString());
}
