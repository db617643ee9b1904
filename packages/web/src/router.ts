import { createStore } from "./store.ts";

/** The dashboard's pages, one per path under the base (`/app/`). */
export type Route = "home" | "epochs" | "catalog" | "orders" | "health" | "callback" | "not-found";

const ROUTES: Record<string, Route> = {
  "": "home",
  epochs: "epochs",
  catalog: "catalog",
  orders: "orders",
  health: "health",
  callback: "callback",
};

/**
 * Which page a path shows: `/app/` is home, `/app/orders` (or `/app/orders/`) the orders page; anything else
 * under the base, or outside it, is not found.
 *
 * @example
 * routeOf("/app/catalog", "/app/") // "catalog"
 */
export function routeOf(pathname: string, base: string): Route {
  if (!pathname.startsWith(base) && `${pathname}/` !== base) return "not-found";
  const rest = pathname.slice(base.length).replace(/\/+$/, "");
  return ROUTES[rest] ?? "not-found";
}

/** The path of a page, e.g. `/app/orders`. */
export const pathOf = (route: Exclude<Route, "not-found" | "callback">, base: string) =>
  route === "home" ? base : `${base}${route}`;

/** The current location (path and query) for the router; set by `navigate` and the browser's back/forward. */
export const location = createStore(typeof window === "undefined" ? "/" : window.location.pathname);

/** Client-side navigation: a history entry, no reload. `replace` for redirects (the sign-in callback). */
export function navigate(to: string, replace = false) {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  location.set(new URL(to, window.location.href).pathname);
  window.scrollTo(0, 0);
}

/** Follows back/forward. */
export function listenToHistory() {
  window.addEventListener("popstate", () => location.set(window.location.pathname));
}
