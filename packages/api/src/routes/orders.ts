import {
  BusinessMetric,
  CancelCustomerOrdersBodySchema,
  CancelCustomerOrdersResultSchema,
  cancelCustomerOrders,
  cancelOrder,
  getOrder,
  ListOrdersQuerySchema,
  listOrders,
  OrderPageSchema,
  OrderSchema,
  PlaceOrderBodySchema,
  placeOrder,
} from "@meridian/core";
import type { MiddlewareHandler } from "hono";
import type { RouteDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";
import { adminOnly } from "../middleware/admin.ts";
import { countMetric } from "../middleware/observe.ts";
import { IdempotencyHeaders } from "./idempotency.ts";
import { type ApiBuilder, errorResponse, mount, IdParams as params } from "./route.ts";

const security = [{ Bearer: [] }];
const orderJson = (description: string) => ({
  description,
  content: { "application/json": { schema: OrderSchema } },
});
const authErrors = { 401: errorResponse("Missing, invalid or expired token") };

export function orderRoutes(api: ApiBuilder, deps: RouteDeps, signedIn: MiddlewareHandler<AppEnv>) {
  mount(
    api,
    {
      method: "post",
      path: "/orders",
      useCase: "placeOrder",
      summary: "Place an order",
      description:
        "Prices and total come from the catalog. The order is stored PENDING and answered 202; the stream " +
        "processor reserves stock and moves it to CONFIRMED or REJECTED (reason OUT_OF_STOCK) a moment later. " +
        "Each customer is limited per UTC day (open orders, units of one product across them) and per minute " +
        "(orders placed); a cancelled or rejected order gives its place back.",
      security,
      use: [signedIn],
      request: { headers: IdempotencyHeaders, body: { schema: PlaceOrderBodySchema } },
      responses: {
        202: orderJson("Accepted, PENDING"),
        400: errorResponse("Malformed JSON or a field violates the schema"),
        ...authErrors,
        409: errorResponse(
          "ORDER_LIMIT_REACHED: the customer's open orders of the UTC day, or the units of one product in them, would pass the limit (details: limit, max, productId, held)",
        ),
        422: errorResponse("UNKNOWN_PRODUCT, MIXED_CURRENCY or IDEMPOTENCY_KEY_REUSED"),
        429: errorResponse(
          "TOO_MANY_ORDERS: the customer's orders per minute; retry after Retry-After seconds",
        ),
      },
    },
    async (c, { body, headers }) => {
      const { order, replayed } = await placeOrder(deps, {
        customer: c.get("user"),
        body,
        idempotencyKey: headers["idempotency-key"],
        correlationId: c.get("requestId"),
      });
      if (replayed) c.header("Idempotent-Replayed", "true");
      else countMetric(c, BusinessMetric.OrdersPlaced);
      c.header("Location", `/orders/${order.id}`);
      return c.json(order, 202);
    },
  );

  mount(
    api,
    {
      method: "get",
      path: "/orders",
      useCase: "listOrders",
      summary: "Your orders, newest first (admins: ?status= lists everyone's)",
      security,
      use: [signedIn],
      request: { query: ListOrdersQuerySchema },
      responses: {
        200: { description: "A page", content: { "application/json": { schema: OrderPageSchema } } },
        400: errorResponse("Bad limit, cursor or status"),
        ...authErrors,
        403: errorResponse("status filter needs the admin role"),
      },
    },
    async (c, { query }) => c.json(await listOrders(deps, c.get("user"), query)),
  );

  mount(
    api,
    {
      method: "get",
      path: "/orders/{id}",
      useCase: "getOrder",
      summary: "One of your orders",
      security,
      use: [signedIn],
      request: { params },
      responses: { 200: orderJson("The order"), ...authErrors, 404: errorResponse("No such order of yours") },
    },
    async (c, { params }) => c.json(await getOrder(deps, c.get("user"), params.id ?? "")),
  );

  mount(
    api,
    {
      method: "post",
      path: "/orders/{id}/cancel",
      useCase: "cancelOrder",
      summary: "Cancel a PENDING or CONFIRMED order (stock is given back once)",
      description:
        "Safe to retry: cancelling a cancelled order answers it unchanged and gives nothing back twice.",
      security,
      use: [signedIn],
      request: { params },
      responses: {
        200: orderJson("Cancelled"),
        ...authErrors,
        404: errorResponse("No such order of yours"),
        409: errorResponse("ORDER_NOT_CANCELLABLE: the order was rejected"),
      },
    },
    async (c, { params }) => c.json(await cancelOrder(deps, c.get("user"), params.id ?? "")),
  );

  mount(
    api,
    {
      method: "post",
      path: "/orders/cancel",
      useCase: "cancelCustomerOrders",
      summary: "Cancel a customer's open orders (admins)",
      description:
        "Cancels the customer's PENDING and CONFIRMED orders, newest first, up to 50 per call (reading at most " +
        "500 of their orders), giving their stock back once. Call again with `nextCursor` until it is null; " +
        "repeating a call is safe.",
      security,
      use: [signedIn, adminOnly],
      request: { body: { schema: CancelCustomerOrdersBodySchema } },
      responses: {
        200: {
          description: "What this call cancelled",
          content: { "application/json": { schema: CancelCustomerOrdersResultSchema } },
        },
        400: errorResponse("Malformed JSON or a field violates the schema"),
        ...authErrors,
        403: errorResponse("Needs the admin role"),
      },
    },
    async (c, { body }) =>
      c.json(await cancelCustomerOrders(deps, c.get("user"), body.customerId, body.cursor)),
  );
}
