import {
  BusinessMetric,
  type CancelCustomerOrdersBody,
  CancelCustomerOrdersBodySchema,
  CancelCustomerOrdersResultSchema,
  cancelCustomerOrders,
  cancelOrder,
  getOrder,
  ListOrdersQuerySchema,
  listOrders,
  OrderPageSchema,
  OrderSchema,
  type PlaceOrderBody,
  PlaceOrderBodySchema,
  parseInput,
  placeOrder,
} from "@meridian/core";
import type { MiddlewareHandler } from "hono";
import type { RouteDeps } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody } from "../middleware/json-body.ts";
import { countMetric } from "../middleware/observe.ts";
import { IdempotencyHeaders, idempotencyKeyOf } from "./idempotency.ts";
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
      summary: "Place an order",
      description:
        "Prices and total come from the catalog. The order is stored PENDING and answered 202; the stream " +
        "processor reserves stock and moves it to CONFIRMED or REJECTED (reason OUT_OF_STOCK) a moment later. " +
        "Each customer is limited per UTC day (open orders, units of one product across them) and per minute " +
        "(orders placed); a cancelled or rejected order gives its place back.",
      security,
      request: {
        headers: IdempotencyHeaders,
        body: { content: { "application/json": { schema: PlaceOrderBodySchema } } },
      },
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
    signedIn,
    jsonBody(PlaceOrderBodySchema),
    async (c) => {
      const { order, replayed } = await placeOrder(deps, {
        customer: c.get("user"),
        body: c.get("body") as PlaceOrderBody,
        idempotencyKey: idempotencyKeyOf(c),
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
      summary: "Your orders, newest first (admins: ?status= lists everyone's)",
      security,
      request: { query: ListOrdersQuerySchema },
      responses: {
        200: { description: "A page", content: { "application/json": { schema: OrderPageSchema } } },
        400: errorResponse("Bad limit, cursor or status"),
        ...authErrors,
        403: errorResponse("status filter needs the admin role"),
      },
    },
    signedIn,
    async (c) =>
      c.json(
        await listOrders(deps, c.get("user"), parseInput(ListOrdersQuerySchema, c.req.query(), "(query)")),
      ),
  );

  mount(
    api,
    {
      method: "get",
      path: "/orders/{id}",
      summary: "One of your orders",
      security,
      request: { params },
      responses: { 200: orderJson("The order"), ...authErrors, 404: errorResponse("No such order of yours") },
    },
    signedIn,
    async (c) => c.json(await getOrder(deps, c.get("user"), c.req.param("id") ?? "")),
  );

  mount(
    api,
    {
      method: "post",
      path: "/orders/{id}/cancel",
      summary: "Cancel a PENDING or CONFIRMED order (stock is given back once)",
      description:
        "Safe to retry: cancelling a cancelled order answers it unchanged and gives nothing back twice.",
      security,
      request: { params },
      responses: {
        200: orderJson("Cancelled"),
        ...authErrors,
        404: errorResponse("No such order of yours"),
        409: errorResponse("ORDER_NOT_CANCELLABLE: the order was rejected"),
      },
    },
    signedIn,
    async (c) => c.json(await cancelOrder(deps, c.get("user"), c.req.param("id") ?? "")),
  );

  mount(
    api,
    {
      method: "post",
      path: "/orders/cancel",
      summary: "Cancel a customer's open orders (admins)",
      description:
        "Cancels the customer's PENDING and CONFIRMED orders, newest first, up to 50 per call, giving their " +
        "stock back once. Call again while `more` is true; repeating it is safe.",
      security,
      request: { body: { content: { "application/json": { schema: CancelCustomerOrdersBodySchema } } } },
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
    signedIn,
    jsonBody(CancelCustomerOrdersBodySchema),
    async (c) => {
      const body = c.get("body") as CancelCustomerOrdersBody;
      return c.json(await cancelCustomerOrders(deps, c.get("user"), body.customerId));
    },
  );
}
