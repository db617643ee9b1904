import * as z from "zod/mini";
import { isoDateTime, numberFromText } from "../shared/schema-parts.ts";
import { BusinessMetric, HttpMetric, JobMetric, SERVICE } from "./metrics.ts";

/**
 * Reading metrics back, for the dashboard's Health and Epochs pages (`GET /metrics`): the port, the series
 * the page shows (one catalogue, read by the sandbox's collector and by CloudWatch alike) and the answer's
 * schema.
 */

/** Every series is read at one-minute resolution (EMF metrics are stored per minute in CloudWatch). */
export const METRICS_PERIOD_SECONDS = 60;

export type SeriesStat = "Sum" | "Average" | "Maximum";
export type SeriesUnit = "Count" | "Milliseconds" | "Seconds";

/** One series of the catalogue: which metric, under which dimensions, with which statistic. */
export interface SeriesDefinition {
  /** Stable id of the series in the answer (and CloudWatch's query id: a lower-case letter, then [A-Za-z0-9_]). */
  id: string;
  label: string;
  metric: string;
  /**
   * The metric's dimension set, exactly, with its values. The HTTP metrics' `{service}` is the rollup
   * observeRequests emits beside `{service, route}`: the whole app's totals, one metric each.
   */
  dimensions: Readonly<Record<string, string>>;
  stat: SeriesStat;
  unit: SeriesUnit;
}

const http = { service: SERVICE.http } as const;
const orderStream = { service: SERVICE.orderStream } as const;
const job = { service: SERVICE.metricsJob } as const;

/** The status values the metrics job publishes `OrdersByStatus` for (ORDER_STATUSES, see MetricsSource). */
const jobOrders = (id: string, status: string, label: string): SeriesDefinition => ({
  id,
  label,
  metric: JobMetric.OrdersByStatus,
  dimensions: { ...job, status },
  stat: "Maximum",
  unit: "Count",
});

/**
 * The series `GET /metrics` answers, in this order (the dashboard relies on the ids, the order and the
 * statistics). The HTTP series read the `{service: http}` rollup of every route (latencyAvg is its Average,
 * over all requests). Business counts are summed per minute under the service that emits them; the metrics job's
 * figures, one point per job run, take the minute's maximum.
 */
export const METRIC_SERIES: readonly SeriesDefinition[] = [
  {
    id: "requests",
    label: "Requests",
    metric: HttpMetric.Requests,
    dimensions: http,
    stat: "Sum",
    unit: "Count",
  },
  {
    id: "errors",
    label: "Server errors (5xx)",
    metric: HttpMetric.Errors,
    dimensions: http,
    stat: "Sum",
    unit: "Count",
  },
  {
    id: "clientErrors",
    label: "Client errors (4xx)",
    metric: HttpMetric.ClientErrors,
    dimensions: http,
    stat: "Sum",
    unit: "Count",
  },
  {
    id: "latencyAvg",
    label: "Latency, average",
    metric: HttpMetric.Latency,
    dimensions: http,
    stat: "Average",
    unit: "Milliseconds",
  },
  {
    id: "latencyMax",
    label: "Latency, maximum",
    metric: HttpMetric.Latency,
    dimensions: http,
    stat: "Maximum",
    unit: "Milliseconds",
  },
  {
    id: "epochsRecorded",
    label: "Epochs recorded",
    metric: BusinessMetric.EpochsRecorded,
    dimensions: http,
    stat: "Sum",
    unit: "Count",
  },
  {
    id: "ordersPlaced",
    label: "Orders placed",
    metric: BusinessMetric.OrdersPlaced,
    dimensions: http,
    stat: "Sum",
    unit: "Count",
  },
  {
    id: "ordersConfirmed",
    label: "Orders confirmed",
    metric: BusinessMetric.OrdersConfirmed,
    dimensions: orderStream,
    stat: "Sum",
    unit: "Count",
  },
  {
    id: "ordersRejected",
    label: "Orders rejected",
    metric: BusinessMetric.OrdersRejected,
    dimensions: orderStream,
    stat: "Sum",
    unit: "Count",
  },
  {
    id: "stockOuts",
    label: "Stock-outs",
    metric: BusinessMetric.StockOuts,
    dimensions: orderStream,
    stat: "Sum",
    unit: "Count",
  },
  {
    id: "jobEpochsInInterval",
    label: "Epochs in the job's interval",
    metric: JobMetric.EpochsInInterval,
    dimensions: job,
    stat: "Maximum",
    unit: "Count",
  },
  {
    id: "jobOldestPendingAgeSeconds",
    label: "Oldest pending order, age",
    metric: JobMetric.OldestPendingOrderAgeSeconds,
    dimensions: job,
    stat: "Maximum",
    unit: "Seconds",
  },
  jobOrders("jobOrdersPending", "PENDING", "Orders pending"),
  jobOrders("jobOrdersConfirmed", "CONFIRMED", "Orders confirmed (all time)"),
  jobOrders("jobOrdersRejected", "REJECTED", "Orders rejected (all time)"),
  jobOrders("jobOrdersCancelled", "CANCELLED", "Orders cancelled (all time)"),
];

/** One minute's value: `t` is the minute's start. */
export interface MetricPoint {
  t: string;
  v: number;
}

/** A series as the answer carries it: points only for the minutes that have data, oldest first. */
export interface MetricSeries {
  id: string;
  label: string;
  unit: SeriesUnit;
  stat: SeriesStat;
  points: MetricPoint[];
}

/** The minutes [from, to), both on a minute's start. */
export interface MetricsQuery {
  from: Date;
  to: Date;
  periodSeconds: typeof METRICS_PERIOD_SECONDS;
}

/**
 * Reads the catalogue's series (METRIC_SERIES, in its order) for a window: the sandbox's collector locally,
 * CloudWatch's GetMetricData in AWS. A failure rejects (the route answers 503).
 */
export interface MetricsReader {
  read(query: MetricsQuery): Promise<MetricSeries[]>;
}

const MINUTE_MS = METRICS_PERIOD_SECONDS * 1000;

/**
 * The last `minutes` whole minutes up to now, the current (partial) minute included: `to` is the end of the
 * current minute. Aligned on minutes, as CloudWatch answers them.
 *
 * @example
 * metricsWindow(Date.parse("2026-12-04T12:30:20Z"), 60); // from 11:31:00, to 12:31:00
 */
export function metricsWindow(nowMs: number, minutes: number): MetricsQuery {
  const to = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  return {
    from: new Date(to - minutes * MINUTE_MS),
    to: new Date(to),
    periodSeconds: METRICS_PERIOD_SECONDS,
  };
}

/** The minute that holds `ms`, as its start in milliseconds. */
export const minuteStart = (ms: number) => ms - (ms % MINUTE_MS);

/** Bounds of `GET /metrics?minutes=`; the sandbox's collector keeps `max` minutes of buckets. */
export const METRICS_WINDOW_MINUTES = { min: 5, max: 180, default: 60 } as const;

export const MetricsQuerySchema = z.lazy(() =>
  z.object({
    minutes: z._default(
      numberFromText().check(
        z.int(),
        z.minimum(METRICS_WINDOW_MINUTES.min),
        z.maximum(METRICS_WINDOW_MINUTES.max),
        z.describe("How many minutes back, the current one included"),
      ),
      METRICS_WINDOW_MINUTES.default,
    ),
  }),
);

export const MetricsAnswerSchema = z.lazy(() =>
  z
    .object({
      periodSeconds: z.literal(METRICS_PERIOD_SECONDS),
      from: isoDateTime(),
      to: isoDateTime(),
      series: z.array(
        z.object({
          id: z.string().check(z.describe("requests, errors, clientErrors, latencyAvg, ... (in this order)")),
          label: z.string(),
          unit: z.enum(["Count", "Milliseconds", "Seconds"]),
          stat: z.enum(["Sum", "Average", "Maximum"]),
          points: z
            .array(z.object({ t: isoDateTime(), v: z.number() }))
            .check(z.describe("Only minutes with data, oldest first; `t` is the minute's start")),
        }),
      ),
    })
    .check(z.meta({ id: "Metrics" })),
);
export type MetricsAnswer = z.infer<typeof MetricsAnswerSchema>;
