import {
  type Clock,
  collectMetrics,
  JobMetric,
  type Logger,
  type MetricsEmitter,
  type MetricsSource,
  SERVICE,
} from "@meridian/core";
import { noTracing, type Tracing } from "../tracing/tracing.ts";

export interface MetricsJobDeps {
  source: MetricsSource;
  clock: Clock;
  logger: Logger;
  metrics: MetricsEmitter;
  intervalMs: number;
  /** Traced, the figures are collected in a `## collectMetrics` subsegment. */
  tracing?: Tracing;
}

/**
 * One run of the scheduled job: computes the last complete interval's figures and publishes them as EMF,
 * time-stamped at the interval's end. A repeated run for the same interval publishes nothing.
 */
export async function runMetricsJob(deps: MetricsJobDeps) {
  const result = await (deps.tracing ?? noTracing).traced("collectMetrics", () =>
    collectMetrics(deps, deps.intervalMs),
  );
  if (result.skipped) {
    deps.logger.info("metrics job skipped: interval already published", { interval: result.interval });
    return result;
  }
  const timestamp = Date.parse(result.interval.end);
  const service = SERVICE.metricsJob;
  deps.metrics.emit(
    { service },
    [
      { name: JobMetric.EpochsInInterval, value: result.epochsInInterval, unit: "Count" },
      {
        name: JobMetric.OldestPendingOrderAgeSeconds,
        value: result.oldestPendingOrderAgeSeconds,
        unit: "Seconds",
      },
    ],
    { timestamp, properties: { intervalStart: result.interval.start } },
  );
  for (const [status, count] of Object.entries(result.ordersByStatus)) {
    deps.metrics.emit(
      { service, status },
      [{ name: JobMetric.OrdersByStatus, value: count, unit: "Count" }],
      {
        timestamp,
      },
    );
  }
  for (const t of result.tables) {
    deps.metrics.emit(
      { service, table: t.table },
      [
        { name: JobMetric.TableItemCount, value: t.itemCount, unit: "Count" },
        { name: JobMetric.TableSizeBytes, value: t.sizeBytes, unit: "Bytes" },
      ],
      { timestamp },
    );
  }
  deps.logger.info("metrics job published", { ...result });
  return result;
}
