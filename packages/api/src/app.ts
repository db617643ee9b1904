import {
  BUDGETS,
  DEFAULT_IMAGE_LIMITS,
  DEFAULT_ORDER_LIMITS,
  DependencyUnavailableError,
  systemClock,
  uuidV7Generator,
} from "@meridian/core";
import { Hono } from "hono";
import type { HTTPException } from "hono/http-exception";
import { methodNotAllowed } from "hono/method-not-allowed";
import { timeout } from "hono/timeout";
import type { AppDeps, RouteDeps } from "./deps.ts";
import type { AppEnv } from "./env.ts";
import { errorHandler, methodNotAllowedAnswer, notFoundHandler } from "./error-handler.ts";
import { apiKeyAuth } from "./middleware/api-key.ts";
import { canonicalPaths } from "./middleware/canonical-path.ts";
import { corsHeaders } from "./middleware/cors.ts";
import { jwtAuth } from "./middleware/jwt-auth.ts";
import { apiKeyOrToken } from "./middleware/key-or-token.ts";
import { observeRequests } from "./middleware/observe.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { docsRoutes } from "./routes/docs.ts";
import { epochRoutes } from "./routes/epochs.ts";
import { healthRoutes } from "./routes/health.ts";
import { imageRoutes } from "./routes/images.ts";
import { metricsRoutes } from "./routes/metrics.ts";
import { orderRoutes } from "./routes/orders.ts";
import { productRoutes } from "./routes/products.ts";
import type { ApiBuilder } from "./routes/route.ts";
import { VISIT_PATH, visitRoutes } from "./routes/visit.ts";

export type MeridianApp = Hono<AppEnv>;

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
    imageLimits: deps.imageLimits ?? DEFAULT_IMAGE_LIMITS,
  };
  // `strict: false`: `/health/` is `/health` behind every front door. LinearRouter matches a trailing slash
  // whatever this says; Hono's default router agrees only when told.
  const app = new Hono<AppEnv>({ strict: false, ...(deps.router ? { router: deps.router } : {}) });
  const api: ApiBuilder = { app, routes: [], trace: deps.traceRoute };
  const onError = errorHandler(deps.logger);

  app.use(observeRequests({ logger: deps.logger, fromFrontDoor: deps.frontDoorRequestId }));
  // Outside the timeout, so a 503 for an overrun budget gets them too.
  app.use(securityHeaders());
  app.use(corsHeaders({ origins: deps.corsOrigins }));
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
  const signedIn = jwtAuth(deps.jwt);
  epochRoutes(api, full, apiKeyOrToken(auth, signedIn));
  productRoutes(api, full, signedIn);
  orderRoutes(api, full, signedIn);
  imageRoutes(api, full, signedIn);
  metricsRoutes(api, full, signedIn);
  docsRoutes(api);

  app.onError(onError);
  app.notFound(notFoundHandler(onError));
  return app;
}
