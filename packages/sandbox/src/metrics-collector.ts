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
  readonly #metrics = new Map<string, CollectedMetric & { at: number }>();

  readonly sink: MetricsSink = (document: EmfDocument) => {
    // Runs for every HTTP request in the sandbox: plain loops, and the ISO date only for new metrics or
    // when the timestamp moved (it is read far less often than it is written).
    const timestamp = document._aws.Timestamp;
    for (const directive of document._aws.CloudWatchMetrics) {
      for (const dimensionSet of directive.Dimensions) {
        let dimensionKey = directive.Namespace;
        for (const key of dimensionSet) dimensionKey += `\0${String(document[key])}`;
        for (const metric of directive.Metrics) {
          const value = Number(document[metric.Name]);
          if (!Number.isFinite(value)) continue;
          const key = `${metric.Name}\0${dimensionKey}`;
          const seen = this.#metrics.get(key);
          if (seen) {
            seen.last = value;
            seen.sum += value;
            seen.count += 1;
            if (value < seen.min) seen.min = value;
            if (value > seen.max) seen.max = value;
            if (seen.at !== timestamp) {
              seen.at = timestamp;
              seen.updatedAt = new Date(timestamp).toISOString();
            }
          } else {
            const dimensions: Record<string, string> = {};
            for (const name of dimensionSet) dimensions[name] = String(document[name]);
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
              updatedAt: new Date(timestamp).toISOString(),
              at: timestamp,
            });
          }
        }
      }
    }
  };

  snapshot(): CollectedMetric[] {
    return [...this.#metrics.values()]
      .map(({ at: _at, ...metric }) => metric)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
}
