import {
  DependencyUnavailableError,
  MetricsAnswerSchema,
  MetricsQuerySchema,
  metricsWindow,
} from "@meridian/core";
import type { MiddlewareHandler } from "hono";
import type { RouteDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";
import { type ApiBuilder, errorResponse, mount } from "./route.ts";

/**
 * `GET /metrics`: the dashboard's Health and Epochs charts, one code path for every host (the sandbox's
 * collector, CloudWatch in AWS: `deps.metrics`).
 */
export function metricsRoutes(api: ApiBuilder, deps: RouteDeps, signedIn: MiddlewareHandler<AppEnv>) {
  mount(
    api,
    {
      method: "get",
      path: "/metrics",
      useCase: "readMetrics",
      summary: "Requests, errors, latency, business events and the metrics job's figures, per minute",
      description:
        "The last `minutes` minutes (the current one included) of every series the dashboard shows, in a " +
        "fixed order: requests, errors, clientErrors, latencyAvg, latencyMax, epochsRecorded, ordersPlaced, " +
        "ordersConfirmed, ordersRejected, stockOuts, jobEpochsInInterval, jobOldestPendingAgeSeconds, " +
        "jobOrdersPending, jobOrdersConfirmed, jobOrdersRejected, jobOrdersCancelled. A series has points " +
        "only for the minutes that have data. Read from CloudWatch in AWS (kept 60 s per `minutes` value) " +
        "and from the sandbox's collector locally; answers may be kept 30 s by the caller's browser.",
      security: [{ Bearer: [] }],
      use: [signedIn],
      request: { query: MetricsQuerySchema },
      responses: {
        200: {
          description: "The series",
          content: { "application/json": { schema: MetricsAnswerSchema } },
        },
        400: errorResponse("minutes is not an integer from 5 to 180"),
        401: errorResponse("Missing, invalid or expired token"),
        503: errorResponse("The metrics could not be read; retry after Retry-After seconds"),
      },
    },
    async (c, { query }) => {
      const window = metricsWindow(deps.clock.nowMs(), query.minutes);
      const series = await deps.metrics.read(window).catch((error: unknown) => {
        throw error instanceof DependencyUnavailableError
          ? error
          : new DependencyUnavailableError("metrics", { cause: error });
      });
      // The same figures for every signed-in user, and CloudWatch's are a minute apart: the page polls.
      c.header("Cache-Control", "private, max-age=30");
      return c.json({
        periodSeconds: window.periodSeconds,
        from: window.from.toISOString(),
        to: window.to.toISOString(),
        series,
      });
    },
  );
}
