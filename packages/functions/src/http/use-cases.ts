/**
 * The use case each route of the app runs, by `METHOD /path` as the app registers it (Hono's `:param`
 * syntax). The HTTP function names its trace subsegment after it (`## recordEpoch`); a test checks every
 * key against the app's routes. Routes that run no use case (health, docs) are traced by their key.
 */
export const useCaseByRoute: Readonly<Record<string, string>> = {
  "GET /": "recordEpoch",
  "POST /epoch": "recordEpoch",
  "GET /epochs": "listEpochs",
  "GET /epochs/:id": "getEpoch",
  "POST /orders": "placeOrder",
  "GET /orders": "listOrders",
  "GET /orders/:id": "getOrder",
  "POST /orders/:id/cancel": "cancelOrder",
  "POST /orders/cancel": "cancelCustomerOrders",
  "GET /products": "listProducts",
  "GET /products/:id": "getProduct",
  "POST /products": "createProduct",
  "PATCH /products/:id": "updateProduct",
  "POST /products/:id/stock": "adjustStock",
};

/** The use case of the route that serves `method path`, else the route's key, else `(no route)`. */
export type RouteMatcher = (method: string, path: string) => string;

/** Compiles route keys (`GET /epochs/:id`, …) into a matcher; `routes` are the app's own, in order. */
export function useCaseMatcher(
  routes: readonly { method: string; path: string }[],
  useCases: Readonly<Record<string, string>> = useCaseByRoute,
): RouteMatcher {
  const compiled = routes
    .filter((route) => route.method !== "ALL")
    .map((route) => {
      const key = `${route.method} ${route.path}`;
      const pattern = route.path
        .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
        .replace(/:\w+/g, "[^/]+")
        .replace(/\*/g, ".*");
      return { method: route.method, regex: new RegExp(`^${pattern}$`), name: useCases[key] ?? key };
    });
  return (method, path) => {
    // Hono answers HEAD with the GET route.
    const wanted = method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase();
    return compiled.find((route) => route.method === wanted && route.regex.test(path))?.name ?? "(no route)";
  };
}
