import { METRICS_NAMESPACE } from "./metrics.ts";

/** CloudWatch units we use. */
export type MetricUnit = "Count" | "Milliseconds" | "Seconds" | "Bytes" | "None";

export interface MetricValue {
  name: string;
  value: number;
  unit: MetricUnit;
}

/** One CloudWatch Embedded Metric Format document (specification: the `_aws` metadata object). */
export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: MetricUnit }[];
    }[];
  };
  [member: string]: unknown;
}

export type MetricsSink = (document: EmfDocument) => void;

/** EMF documents go to stdout as one line each; CloudWatch Logs turns them into metrics. */
export const stdoutMetricsSink: MetricsSink = (document) =>
  process.stdout.write(`${JSON.stringify(document)}\n`);

/**
 * Builds an EMF document: the metrics share one dimension set. Extra `properties` are logged with the
 * document (searchable in Logs Insights) but are not dimensions, so ids may go there.
 */
export function emfDocument(
  dimensions: Record<string, string>,
  metrics: MetricValue[],
  options: { timestamp?: number; properties?: Record<string, unknown>; namespace?: string } = {},
): EmfDocument {
  return {
    ...options.properties,
    ...dimensions,
    ...Object.fromEntries(metrics.map((m) => [m.name, m.value])),
    _aws: {
      Timestamp: options.timestamp ?? Date.now(),
      CloudWatchMetrics: [
        {
          Namespace: options.namespace ?? METRICS_NAMESPACE,
          Dimensions: [Object.keys(dimensions)],
          Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
  };
}

/** Emits metrics as EMF documents to a sink (stdout in Lambda, the collector in the sandbox). */
export class MetricsEmitter {
  constructor(private readonly sink: MetricsSink = stdoutMetricsSink) {}

  emit(
    dimensions: Record<string, string>,
    metrics: MetricValue[],
    options?: { timestamp?: number; properties?: Record<string, unknown> },
  ): void {
    if (metrics.length > 0) this.sink(emfDocument(dimensions, metrics, options));
  }

  /** A count of 1 (or `value`) under `{ service }`. */
  count(service: string, name: string, value = 1): void {
    this.emit({ service }, [{ name, value, unit: "Count" }]);
  }
}
