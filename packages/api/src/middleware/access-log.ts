import { createMiddleware } from "hono/factory";
import { routePath } from "hono/route";
import type { AppEnv } from "../env.ts";
import type { AppLogger } from "../logger.ts";

/** One log entry per request, written after the response (errors included) is ready. */
export function accessLog(logger: AppLogger) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    logger.request({
      requestId: c.get("requestId"),
      method: c.req.method,
      path: c.req.path,
      route: routePath(c, -1),
      status: c.res.status,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
    });
  });
}
