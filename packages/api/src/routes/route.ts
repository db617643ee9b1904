import type { OpenAPIRegistry, RouteConfig } from "@asteasolutions/zod-to-openapi";
import type { Handler, Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../env.ts";

/**
 * The app under construction and the registry its routes are documented in. The registry only collects
 * definitions; the OpenAPI document is generated from it on the first `GET /openapi.json` or `/docs`, so
 * serving `POST /epoch` never loads or runs the generator.
 */
export interface ApiBuilder {
  app: Hono<AppEnv>;
  registry: OpenAPIRegistry;
}

/**
 * Documents a route in the OpenAPI registry and mounts its handlers, from one definition, so the
 * document cannot drift from what is served. Validation is done by the route's own middleware
 * (`jsonBody`, `parseInput`) exactly once.
 */
export function mount({ app, registry }: ApiBuilder, route: RouteConfig, ...handlers: Handler<AppEnv>[]) {
  registry.registerPath(route);
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
