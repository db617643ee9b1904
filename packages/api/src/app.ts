import {
  type ApiKeyHasher,
  type ApiKeyStore,
  BUDGETS,
  type CatalogStore,
  type Clock,
  type CursorCodec,
  DEFAULT_ORDER_LIMITS,
  DependencyUnavailableError,
  type EpochStore,
  type IdGenerator,
  type Logger,
  type OrderLimits,
  type OrderStore,
  systemClock,
  uuidV7Generator,
} from "@meridian/core";
import { Hono } from "hono";
import type { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { timeout } from "hono/timeout";
import type { AppContext, AppEnv, ClientIpResolver } from "./env.ts";
import { errorHandler, methodNotAllowedAnswer, notFoundHandler } from "./error-handler.ts";
import { apiKeyAuth } from "./middleware/api-key.ts";
import { canonicalPaths } from "./middleware/canonical-path.ts";
import { type JwtAuthOptions, jwtAuth } from "./middleware/jwt-auth.ts";
import { observeRequests } from "./middleware/observe.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { docsRoutes } from "./routes/docs.ts";
import { epochRoutes } from "./routes/epochs.ts";
import { healthRoutes } from "./routes/health.ts";
import { orderRoutes } from "./routes/orders.ts";
import { productRoutes } from "./routes/products.ts";
import type { ApiBuilder, TraceRoute } from "./routes/route.ts";
import { VISIT_PATH, visitRoutes } from "./routes/visit.ts";

/** Everything the app needs from outside; each front door (Lambda, sandbox, tests) wires its own. */
export interface AppDeps {
  epochs: EpochStore;
  apiKeys: ApiKeyStore;
  catalog: CatalogStore;
  orders: OrderStore;
  /** Sign-in: how bearer tokens are verified (Cognito in AWS, the sandbox's issuer locally). */
  jwt: JwtAuthOptions;
  hasher: ApiKeyHasher;
  cursors: CursorCodec;
  clientIp: ClientIpResolver;
  logger: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Id the front door already gave this request (API Gateway's requestId); a UUID otherwise. */
  frontDoorRequestId?: (c: AppContext) => string | undefined;
  /** See ApiKeyAuthOptions.cacheTtlMs. */
  apiKeyCacheTtlMs?: number;
  /**
   * Runs each route in a trace subsegment named after its use case (`## recordEpoch`); unset when the host
   * does not trace.
   */
  traceRoute?: TraceRoute;
  /** What one customer may order (see OrderLimits). Default DEFAULT_ORDER_LIMITS. */
  orderLimits?: OrderLimits;
  /**
   * A request that has not answered after this many milliseconds answers 503 with `Retry-After` (its write
   * may have landed: a retry with the same `Idempotency-Key` is safe). Default `BUDGETS.http.requestMs`.
   */
  requestBudgetMs?: number;
  /**
   * How routes are matched. Default: Hono's, which compiles the whole route table into one regular
   * expression on the first request (the fastest match for a long-lived server). The Lambda function passes
   * a `LinearRouter`, which has nothing to compile: about 3 ms less CPU on a cold start's first request.
   * Either way a path matches alike (see `strict: false` below).
   */
  router?: HonoOptions["router"];
}

/** AppDeps with defaults filled in, as routes see them. */
export type RouteDeps = AppDeps & { clock: Clock; ids: IdGenerator; limits: OrderLimits };

export type MeridianApp = Hono<AppEnv>;
type HonoOptions = NonNullable<ConstructorParameters<typeof Hono<AppEnv>>[0]>;

/**
 * Builds the one Meridian HTTP app. Lambda exports `handle(createApp(deps))`, the sandbox serves it with
 * @hono/node-server, tests call `app.request()`.
 *
 * @example
 * const app = createApp({ epochs, apiKeys, hasher, cursors, clientIp: () => "127.0.0.1", logger: jsonLogger });
 * const res = await app.request("/health");
 */
export function createApp(deps: AppDeps): MeridianApp {
  const full: RouteDeps = {
    ...deps,
    clock: deps.clock ?? systemClock,
    ids: deps.ids ?? uuidV7Generator,
    limits: deps.orderLimits ?? DEFAULT_ORDER_LIMITS,
  };
  // `strict: false`: `/health/` is `/health` behind every front door. LinearRouter matches a trailing slash
  // whatever this says; Hono's default router agrees only when told.
  const app = new Hono<AppEnv>({ strict: false, ...(deps.router ? { router: deps.router } : {}) });
  const api: ApiBuilder = { app, routes: [], trace: deps.traceRoute };
  const onError = errorHandler(deps.logger);

  app.use(observeRequests({ logger: deps.logger, fromFrontDoor: deps.frontDoorRequestId }));
  // Outside the timeout, so a 503 for an overrun budget gets them too.
  app.use(securityHeaders());
  // hono/timeout throws what the factory returns; the error handler maps it like any dependency failure.
  const overran = () => new DependencyUnavailableError("request budget") as unknown as HTTPException;
  app.use(timeout(deps.requestBudgetMs ?? BUDGETS.http.requestMs, overran));
  // `/x/%2e%2e/`, `//`, `/health/..` are 404, not `GET /`: the front door routed (and throttled) what it saw.
  app.use(canonicalPaths());
  // Hono's 405 with `Allow`, answered with the app's error body (inside canonicalPaths: `//` stays a 404).
  app.use(methodNotAllowed({ app, onMethodNotAllowed: methodNotAllowedAnswer(onError, [VISIT_PATH]) }));

  const auth = apiKeyAuth({ apiKeys: deps.apiKeys, hasher: deps.hasher, cacheTtlMs: deps.apiKeyCacheTtlMs });
  visitRoutes(api, full);
  healthRoutes(api, full);
  epochRoutes(api, full, auth);
  const signedIn = jwtAuth(deps.jwt);
  productRoutes(api, full, signedIn);
  orderRoutes(api, full, signedIn);
  docsRoutes(api);

  app.onError(onError);
  app.notFound(notFoundHandler(onError));
  return app;
}
