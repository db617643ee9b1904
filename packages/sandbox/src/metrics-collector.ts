import type { EmfDocument, MetricsSink } from "@meridian/core";

export interface CollectedMetric {
  namespace: string;
  name: string;
  dimensions: Record<string, string>;
  unit: string;
  /** Latest value, and the sum, count, min and max of every value seen since the sandbox started. */
  last: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  updatedAt: string;
}

/**
 * The sandbox's stand-in for CloudWatch: it reads the EMF documents the functions emit and keeps, per
 * metric and dimension set, the latest value and running aggregates (served at `GET /_sandbox/metrics`).
 */
export class MetricsCollector {
  readonly #metrics = new Map<string, CollectedMetric>();

  readonly sink: MetricsSink = (document: EmfDocument) => {
    for (const directive of document._aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions) {
        const dimensions = Object.fromEntries(dimensionSet.map((key) => [key, String(document[key])]));
        for (const metric of directive.Metrics) {
          const value = Number(document[metric.Name]);
          if (!Number.isFinite(value)) continue;
          const key = `${directive.Namespace}\0${metric.Name}\0${dimensionSet.map((d) => dimensions[d]).join("\0")}`;
          const seen = this.#metrics.get(key);
          const updatedAt = new Date(document._aws.Timestamp).toISOString();
          this.#metrics.set(
            key,
            seen
              ? {
                  ...seen,
                  last: value,
                  sum: seen.sum + value,
                  count: seen.count + 1,
                  min: Math.min(seen.min, value),
                  max: Math.max(seen.max, value),
                  updatedAt,
                }
              : {
                  namespace: directive.Namespace,
                  name: metric.Name,
                  dimensions,
                  unit: metric.Unit,
                  last: value,
                  sum: value,
                  count: 1,
                  min: value,
                  max: value,
                  updatedAt,
                },
          );
        }
      }
    }
  };

  snapshot(): CollectedMetric[] {
    return [...this.#metrics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
