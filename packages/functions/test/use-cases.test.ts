import { createMeridianApp, loadRuntimeConfig } from "@meridian/functions";
import { describe, expect, it } from "vitest";
import { useCaseByRoute, useCaseMatcher } from "../src/http/use-cases.ts";

const APP_SECRET = "use-cases-test-secret-0123456789abcdef";

/** The app's own routes; building it contacts nothing (the issuer's keys are fetched on first use). */
function appRoutes() {
  const config = loadRuntimeConfig({
    TABLE_EPOCHS: "t-epochs",
    TABLE_API_KEYS: "t-api-keys",
    TABLE_CATALOG: "t-catalog",
    TABLE_ORDERS: "t-orders",
    APP_SECRET,
    JWT_ISSUER: "http://127.0.0.1:9/issuer",
    JWT_AUDIENCE: "test-client",
  });
  return createMeridianApp({ ...config, appSecret: APP_SECRET }, { clientIp: () => "192.0.2.1" }).routes;
}

const ROUTES_WITHOUT_USE_CASE = /^GET \/(health|health\/ready|docs|openapi\.json)$/;

describe("use case names of the HTTP routes (trace subsegments)", () => {
  it("names only routes the app serves", () => {
    // Prepare
    const served = new Set(appRoutes().map((r) => `${r.method} ${r.path}`));

    // Assess
    expect(Object.keys(useCaseByRoute).filter((key) => !served.has(key))).toEqual([]);
  });

  it("names every route that runs a use case, so a new route cannot go untraced by name", () => {
    // Prepare
    const routes = appRoutes()
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path}`);

    // Assess
    const unnamed = [...new Set(routes)].filter(
      (key) => useCaseByRoute[key] === undefined && !ROUTES_WITHOUT_USE_CASE.test(key),
    );
    expect(unnamed).toEqual([]);
  });

  it.each([
    ["POST", "/epoch", "recordEpoch"],
    ["GET", "/", "recordEpoch"],
    ["GET", "/epochs/0190b3c4-7d2e-7a1b-9c3d-4e5f6a7b8c9d", "getEpoch"],
    ["POST", "/orders", "placeOrder"],
    ["POST", "/orders/0190b3c4-7d2e-7a1b-9c3d-4e5f6a7b8c9d/cancel", "cancelOrder"],
    ["PATCH", "/products/abc", "updateProduct"],
    ["HEAD", "/products", "listProducts"],
    ["GET", "/health", "GET /health"],
    ["GET", "/epochs/a/b", "(no route)"],
    ["DELETE", "/epoch", "(no route)"],
  ])("%s %s → %s", (method, path, name) => {
    // Prepare
    const useCaseOf = useCaseMatcher(appRoutes());

    // Act / Assess
    expect(useCaseOf(method, path)).toBe(name);
  });
});
