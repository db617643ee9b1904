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
    const updatedAt = new Date(document._aws.Timestamp).toISOString();
    for (const directive of document._aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions) {
        const values = dimensionSet.map((key) => String(document[key]));
        const dimensions = Object.fromEntries(dimensionSet.map((key, i) => [key, values[i] as string]));
        for (const metric of directive.Metrics) {
          const value = Number(document[metric.Name]);
          if (!Number.isFinite(value)) continue;
          const key = `${directive.Namespace}\0${metric.Name}\0${values.join("\0")}`;
          const seen = this.#metrics.get(key);
          if (seen) {
            seen.last = value;
            seen.sum += value;
            seen.count += 1;
            if (value < seen.min) seen.min = value;
            if (value > seen.max) seen.max = value;
            seen.updatedAt = updatedAt;
          } else {
            this.#metrics.set(key, {
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
            });
          }
        }
      }
    }
  };

  snapshot(): CollectedMetric[] {
    return [...this.#metrics.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}
