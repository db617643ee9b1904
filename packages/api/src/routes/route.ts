import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Handler } from "hono";
import type { AppEnv } from "../env.ts";

/**
 * Documents a route in the OpenAPI registry and mounts its handlers, from one definition, so the
 * document cannot drift from what is served. Validation is done by the route's own middleware
 * (`jsonBody`, `parseInput`) exactly once.
 */
export function mount(app: OpenAPIHono<AppEnv>, route: RouteConfig, ...handlers: Handler<AppEnv>[]) {
  app.openAPIRegistry.registerPath(route);
  const path = route.path.replace(/\{(\w+)\}/g, ":$1");
  // Hono types handler chains as fixed tuples; a chain of any length is what it runs.
  app.on(route.method.toUpperCase(), path, ...(handlers as [Handler<AppEnv>]));
}

export const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});
