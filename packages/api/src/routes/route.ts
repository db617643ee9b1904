import { BUDGETS, parseInput, ValidationError } from "@meridian/core";
import type { Handler, Hono, MiddlewareHandler } from "hono";
import * as z from "zod/mini";
import type { AppContext, AppEnv } from "../env.ts";
import { jsonBody } from "../middleware/json-body.ts";

/** A media type's body: a zod schema, or a JSON Schema as is (e.g. `{ type: "string" }` for HTML). */
export type Content = Record<string, { schema: z.ZodMiniType | Record<string, unknown> }>;

/** What a route reads from the request, each a zod object (or lazy object) whose fields are the parts. */
export interface RouteRequest {
  /** Path parameters: documented; the use case checks them (a malformed id is a 404, not a 400). */
  params?: z.ZodMiniType;
  query?: z.ZodMiniType;
  /** Header fields, named in lower case (as `c.req.header()` gives them); errors name them canonically. */
  headers?: z.ZodMiniType;
  /** A JSON body (see `jsonBody`): 400/413/415 before the handler runs. */
  body?: { schema: z.ZodMiniType; required?: boolean };
}

type Parsed<S> = S extends z.ZodMiniType ? z.output<S> : undefined;

/** The validated parts of a request, typed from the route's own `request`. */
export interface RouteInput<R extends RouteRequest> {
  body: R["body"] extends { schema: infer S } ? Parsed<S> : undefined;
  query: Parsed<R["query"]>;
  headers: Parsed<R["headers"]>;
  params: Record<string, string>;
}

/**
 * One operation: what the OpenAPI document says of it, the schemas its input is validated with, the
 * middleware that admits a caller and the use case it runs, all in one place. `path` is in OpenAPI form
 * (`/epochs/{id}`); `mount` serves it as `/epochs/:id`.
 */
export interface RouteConfig<R extends RouteRequest = RouteRequest> {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  description?: string;
  /** The use case the route runs: the name of its trace subsegment (`## recordEpoch`). */
  useCase?: string;
  /** Names of the security schemes (`ApiKey`, `Bearer`) that admit a caller, as OpenAPI lists them. */
  security?: Record<string, string[]>[];
  /** What admits a caller (API key, sign-in, role), run before the input is validated. */
  use?: MiddlewareHandler<AppEnv>[];
  request?: R;
  responses: Record<number, { description: string; content?: Content }>;
  /**
   * The route calls no dependency (`GET /health`): nothing of it can outlive the request budget, so the
   * document gives it no 503 (every other operation gets one: see `UNAVAILABLE_DESCRIPTION`).
   */
  callsNoDependency?: boolean;
}

/** Runs a route in a trace subsegment named after its use case (the host's tracer; absent when off). */
export type TraceRoute = <T>(name: string, run: () => Promise<T>) => Promise<T>;

/**
 * The app under construction and the definitions of its routes, from which the OpenAPI document is
 * generated on the first `GET /openapi.json` or `/docs` (see `docsRoutes`).
 */
export interface ApiBuilder {
  app: Hono<AppEnv>;
  routes: RouteConfig[];
  trace?: TraceRoute;
}

const canonicalHeader = (name: string) =>
  name.replace(/(^|-)([a-z])/g, (_, dash, c) => dash + c.toUpperCase());

function parseHeaders(schema: z.ZodMiniType, c: AppContext) {
  try {
    return parseInput(schema, c.req.header(), "(headers)");
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      error.issues.map((issue) => ({ ...issue, field: canonicalHeader(issue.field) })),
    );
  }
}

/** The middleware that runs the rest of a route's chain in the subsegment `name`; none without a tracer. */
export function tracedAs(trace: TraceRoute | undefined, name: string): MiddlewareHandler<AppEnv>[] {
  return trace ? [(_c, next) => trace(name, next)] : [];
}

/**
 * Documents a route and serves it, from one definition, so the document cannot drift from what is served:
 * the caller is admitted (`use`), the body, query and headers are validated once, in that order, and the
 * handler gets them typed. With a tracer, the whole chain runs in the use case's subsegment.
 */
export function mount<const R extends RouteRequest>(
  { app, routes, trace }: ApiBuilder,
  route: RouteConfig<R>,
  handler: (c: AppContext, input: RouteInput<R>) => Response | Promise<Response>,
) {
  routes.push(route as RouteConfig);
  const path = route.path.replace(/\{(\w+)\}/g, ":$1");
  const { request } = route;
  const chain: Handler<AppEnv>[] = [...(route.use ?? [])];
  if (request?.body) chain.push(jsonBody(request.body.schema, { optional: request.body.required === false }));
  chain.push((c) =>
    handler(c, {
      body: c.get("body"),
      query: request?.query ? parseInput(request.query, c.req.query(), "(query)") : undefined,
      headers: request?.headers ? parseHeaders(request.headers, c) : undefined,
      params: c.req.param(),
    } as RouteInput<R>),
  );
  chain.unshift(...tracedAs(trace, route.useCase ?? `${route.method.toUpperCase()} ${route.path}`));
  // Hono types handler chains as fixed tuples; a chain of any length is what it runs.
  app.on(route.method.toUpperCase(), path, ...(chain as [Handler<AppEnv>]));
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
