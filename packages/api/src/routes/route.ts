import type { RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { Handler, Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";

/**
 * The app under construction and the definitions of its routes, from which the OpenAPI document is
 * generated on the first `GET /openapi.json` or `/docs` (see `docsRoutes`).
 */
export interface ApiBuilder {
  app: Hono<AppEnv>;
  routes: RouteConfig[];
}

/**
 * Documents a route in the OpenAPI registry and mounts its handlers, from one definition, so the
 * document cannot drift from what is served. Validation is done by the route's own middleware
 * (`jsonBody`, `parseInput`) exactly once.
 */
export function mount({ app, routes }: ApiBuilder, route: RouteConfig, ...handlers: Handler<AppEnv>[]) {
  routes.push(route);
  const path = route.path.replace(/\{(\w+)\}/g, ":$1");
  // Hono types handler chains as fixed tuples; a chain of any length is what it runs.
  app.on(route.method.toUpperCase(), path, ...(handlers as [Handler<AppEnv>]));
}

/** The body of every error response (`components/schemas/Error` in the document). */
const ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().describe("Stable machine-readable code, e.g. VALIDATION_FAILED"),
      message: z.string(),
      requestId: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: "Error" });

export const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});
