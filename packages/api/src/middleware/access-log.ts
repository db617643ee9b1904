import {
  BusinessMetric,
  HttpMetric,
  type Logger,
  type MetricsEmitter,
  SERVICE,
  takeColdStart,
} from "@meridian/core";
import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { AppEnv } from "../env.ts";

/**
 * After every request (errors included): one structured log entry and one EMF document with the route's
 * request count, 4xx/5xx counts and latency. The route is the pattern (`/epochs/:id`), never the raw path,
 * so metric dimensions stay low-cardinality.
 */
export function observeRequests(logger: Logger, metrics: MetricsEmitter) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const latencyMs = Math.round((performance.now() - started) * 10) / 10;
    const status = c.res.status;
    const route = routePath(c, -1);
    const coldStart = takeColdStart();
    logger.info("request", {
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      route,
      status,
      latencyMs,
      coldStart,
    });
    metrics.emit({ service: SERVICE.http, route }, [
      { name: HttpMetric.Requests, value: 1, unit: "Count" },
      { name: HttpMetric.Errors, value: status >= 500 ? 1 : 0, unit: "Count" },
      { name: HttpMetric.ClientErrors, value: status >= 400 && status < 500 ? 1 : 0, unit: "Count" },
      { name: HttpMetric.Latency, value: latencyMs, unit: "Milliseconds" },
    ]);
    if (coldStart) metrics.count(SERVICE.http, BusinessMetric.ColdStart);
  });
}
