import { useEffect, useRef, useState } from "preact/hooks";
import { ordersPollMs } from "../backoff.ts";
import { PageHeading } from "../components/page.tsx";
import { Empty, ErrorState, Loading, messageOf } from "../components/states.tsx";
import { StatusBadge } from "../components/status-badge.tsx";
import { cancelOrder, listOrders, listProducts } from "../endpoints.ts";
import { formatIso, formatPrice } from "../format.ts";
import { usePolled } from "../poll.ts";
import { announce } from "../runtime.ts";
import type { Order, Page } from "../types.ts";

const REASONS: Record<string, string> = { OUT_OF_STOCK: "Out of stock" };
// Order ids are time-ordered (UUID v7): orders placed close together share their first characters, not their last.
const short = (id: string) => id.slice(-8);

/**
 * The user's orders, newest first, with live status: polled every 2 s while one is PENDING (every 10 s once
 * that has lasted a minute), every 60 s otherwise, and not at all in a hidden tab.
 */
export function OrdersPage() {
  const pendingSince = useRef<number | undefined>(undefined);
  const seen = useRef(new Map<string, string>());
  const orders = usePolled<Page<Order>>(
    async (signal) => {
      const page = await listOrders(signal);
      const pending = page.items.some((o) => o.status === "PENDING");
      if (!pending) pendingSince.current = undefined;
      else pendingSince.current ??= Date.now();
      // Say what changed since the last look (PENDING → CONFIRMED), not the whole list.
      for (const order of page.items) {
        const before = seen.current.get(order.id);
        if (before && before !== order.status) announce(`Order ${short(order.id)} is now ${order.status}`);
        seen.current.set(order.id, order.status);
      }
      return page;
    },
    () => ordersPollMs(pendingSince.current),
  );
  const [failure, setFailure] = useState<string>();
  // Product names for the lines (orders carry ids): one catalog read per visit, not polled; ids if it fails.
  const [names, setNames] = useState(new Map<string, string>());
  useEffect(() => {
    const controller = new AbortController();
    listProducts(null, controller.signal)
      .then((page) => setNames(new Map(page.items.map((p) => [p.id, p.name]))))
      .catch(() => {});
    return () => controller.abort();
  }, []);
  const nameOf = (productId: string) => names.get(productId) ?? `product ${short(productId)}`;
  const [busy, setBusy] = useState<string>();

  const cancel = async (order: Order) => {
    setBusy(order.id);
    setFailure(undefined);
    try {
      await cancelOrder(order.id);
      orders.refresh();
    } catch (error) {
      setFailure(messageOf(error));
    } finally {
      setBusy(undefined);
    }
  };

  const items = orders.data?.items;
  return (
    <>
      <PageHeading title="Orders" />
      <p class="hint">Place orders from the catalog. Their status updates here by itself.</p>
      {failure ? (
        <p class="state error" role="alert">
          {failure}
        </p>
      ) : null}
      {orders.error ? <ErrorState error={orders.error} retry={orders.refresh} /> : null}
      {!items ? (
        orders.error ? null : (
          <Loading what="orders" />
        )
      ) : items.length === 0 ? (
        <Empty>No orders yet.</Empty>
      ) : (
        <ul class="orders">
          {items.map((order) => (
            <li key={order.id} class="order">
              <article aria-labelledby={`order-${order.id}`}>
                <h2 id={`order-${order.id}`}>
                  Order <span class="mono">{short(order.id)}</span> <StatusBadge status={order.status} />
                </h2>
                <p>
                  {order.lines.map((l) => `${l.quantity} × ${nameOf(l.productId)}`).join(", ")} ·{" "}
                  {formatPrice(order.total, order.currency)} · {formatIso(order.createdAt)}
                </p>
                {order.status === "REJECTED" ? (
                  <p class="reason">
                    Rejected: {REASONS[order.reason ?? ""] ?? order.reason ?? "no reason given"}
                    {order.reasonDetail ? ` (${names.get(order.reasonDetail) ?? order.reasonDetail})` : ""}
                  </p>
                ) : null}
                {order.status === "PENDING" || order.status === "CONFIRMED" ? (
                  <button type="button" onClick={() => void cancel(order)} disabled={busy === order.id}>
                    Cancel order<span class="sr-only"> {short(order.id)}</span>
                  </button>
                ) : null}
              </article>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
