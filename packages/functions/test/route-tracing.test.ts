import { createLogger } from "@meridian/core";
import { createMeridianApp, loadRuntimeConfig } from "@meridian/functions";
import { describe, expect, inject, it } from "vitest";
import { noTracing, type Tracing } from "../src/tracing/tracing.ts";

const APP_SECRET = "route-tracing-test-secret-0123456789abcdef";
const ID = "0190b3c4-7d2e-7a1b-9c3d-4e5f6a7b8c9d";

/**
 * The app as the HTTP function wires it, with a tracer that records the subsegment names it is asked for.
 * Its tables do not exist, so a route that reaches DynamoDB fails fast; only the names matter here.
 */
function tracedApp() {
  const config = loadRuntimeConfig({
    TABLE_EPOCHS: "none-epochs",
    TABLE_API_KEYS: "none-api-keys",
    TABLE_CATALOG: "none-catalog",
    TABLE_ORDERS: "none-orders",
    APP_SECRET,
    DYNAMODB_ENDPOINT: inject("dynamodbEndpoint"),
    JWT_ISSUER: "http://127.0.0.1:9/issuer",
    JWT_AUDIENCE: "test-client",
  });
  const names: string[] = [];
  const tracing: Tracing = {
    ...noTracing,
    enabled: true,
    traced: (name, fn) => {
      names.push(name);
      return fn();
    },
  };
  const app = createMeridianApp(
    { ...config, appSecret: APP_SECRET },
    { clientIp: () => "192.0.2.1", tracing, logger: createLogger({ service: "http", sink: () => {} }) },
  );
  return { app, names };
}

const WITHOUT_USE_CASE = /^GET \/(health|health\/ready|docs(\/[\w.-]+)*|openapi\.json)$/;

describe("each route runs in a trace subsegment named after its use case", () => {
  it.each([
    ["POST", "/epoch", "recordEpoch"],
    ["GET", "/", "recordEpoch"],
    ["GET", `/epochs/${ID}`, "getEpoch"],
    ["POST", "/orders", "placeOrder"],
    ["POST", `/orders/${ID}/cancel`, "cancelOrder"],
    ["POST", "/orders/cancel", "cancelCustomerOrders"],
    ["PATCH", "/products/abc", "updateProduct"],
    ["HEAD", "/products", "listProducts"],
    ["GET", "/health", "GET /health"],
  ])("%s %s → ## %s", async (method, path, name) => {
    // Prepare
    const { app, names } = tracedApp();

    // Act
    await app.request(path, { method });

    // Assess
    expect(names).toEqual([name]);
  });

  it.each([
    ["GET", "/epochs/a/b"],
    ["DELETE", "/epoch"],
  ])("%s %s (no route) opens no use case subsegment", async (method, path) => {
    // Prepare
    const { app, names } = tracedApp();

    // Act
    const res = await app.request(path, { method });

    // Assess
    expect(res.status).toBeGreaterThanOrEqual(404);
    expect(names).toEqual([]);
  });

  it("names a use case for every route but health and docs, so a new route cannot go untraced by name", async () => {
    // Prepare
    const { app, names } = tracedApp();
    const routes = [
      ...new Set(app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`)),
    ];

    // Act
    const unnamed: string[] = [];
    for (const route of routes) {
      const [method, path] = route.split(" ") as [string, string];
      names.length = 0;
      await app.request(path.replace(/:\w+/g, ID), { method });
      if (
        names.length !== 1 ||
        (names[0] === route.replace(/:(\w+)/g, "{$1}") && !WITHOUT_USE_CASE.test(route))
      )
        unnamed.push(`${route} → ${names.join(", ") || "(none)"}`);
    }

    // Assess
    expect(routes.length).toBeGreaterThan(10);
    expect(unnamed).toEqual([]);
  });
});
