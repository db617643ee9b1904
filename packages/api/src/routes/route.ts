import { BUDGETS } from "@meridian/core";
import type { Handler, Hono } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../env.ts";

/** A media type's body: a zod schema, or a JSON Schema as is (e.g. `{ type: "string" }` for HTML). */
export type Content = Record<string, { schema: z.ZodMiniType | Record<string, unknown> }>;

/**
 * One operation as the OpenAPI document describes it, with the zod schemas its handlers validate with.
 * `path` is in OpenAPI form (`/epochs/{id}`); `mount` serves it as `/epochs/:id`.
 */
export interface RouteConfig {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  description?: string;
  /** Names of the security schemes (`ApiKey`, `Bearer`) that admit a caller, as OpenAPI lists them. */
  security?: Record<string, string[]>[];
  request?: {
    /** Objects (or lazy objects) whose fields are the parameters. */
    params?: z.ZodMiniType;
    query?: z.ZodMiniType;
    headers?: z.ZodMiniType;
    body?: { required?: boolean; content: Content };
  };
  responses: Record<number, { description: string; content?: Content }>;
}

/**
 * The app under construction and the definitions of its routes, from which the OpenAPI document is
 * generated on the first `GET /openapi.json` or `/docs` (see `docsRoutes`).
 */
export interface ApiBuilder {
  app: Hono<AppEnv>;
  routes: RouteConfig[];
}

/**
 * Documents a route and mounts its handlers, from one definition, so the document cannot drift from what
 * is served. Validation is done by the route's own middleware (`jsonBody`, `parseInput`) exactly once.
 */
export function mount({ app, routes }: ApiBuilder, route: RouteConfig, ...handlers: Handler<AppEnv>[]) {
  routes.push(route);
  const path = route.path.replace(/\{(\w+)\}/g, ":$1");
  // Hono types handler chains as fixed tuples; a chain of any length is what it runs.
  app.on(route.method.toUpperCase(), path, ...(handlers as [Handler<AppEnv>]));
}

/** The `{id}` of `/epochs/{id}`, `/products/{id}`, `/orders/{id}`: a UUID. */
export const IdParams = z.lazy(() => z.object({ id: z.uuid() }));

/**
 * The body of every error response (`components/schemas/Error` in the document). Like every schema, built
 * on first use (here: the first OpenAPI document).
 */
const ErrorSchema = z.lazy(() =>
  z
    .object({
      error: z.object({
        code: z.string().check(z.describe("Stable machine-readable code, e.g. VALIDATION_FAILED")),
        message: z.string(),
        requestId: z.string(),
        details: z.optional(z.record(z.string(), z.unknown())),
      }),
    })
    .check(z.meta({ id: "Error" })),
);

export const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/**
 * What any route may answer when a dependency stalls or fails; the document puts it on every operation,
 * after what the route itself says about its 503.
 */
export const UNAVAILABLE_DESCRIPTION =
  `SERVICE_UNAVAILABLE, with \`Retry-After\`: a dependency did not answer within the request's budget ` +
  `(${BUDGETS.http.requestMs / 1000} s) or is throttling. If the request writes, the write may or may not ` +
  "have been made: retry after `Retry-After` seconds, with the same `Idempotency-Key` where the operation " +
  "takes one (the retry then answers the first record and never writes twice).";
