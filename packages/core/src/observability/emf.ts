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

/** Metrics that share one dimension set. */
export interface MetricGroup {
  dimensions: Record<string, string>;
  metrics: MetricValue[];
}

/**
 * Builds one EMF document holding one or more metric groups, each with its own dimension set. Dimension
 * values and metric values are members of the document, so groups must agree on the dimensions they share
 * (`service` in both `{service, route}` and `{service}`). Extra `properties` are logged with the document
 * (searchable in Logs Insights) but are not dimensions, so ids may go there.
 */
export function emfDocument(
  groups: MetricGroup[],
  options: { timestamp?: number; properties?: Record<string, unknown>; namespace?: string } = {},
): EmfDocument {
  // Plain loops on purpose: the same document built with spread, Object.assign and map took 8.7 µs
  // instead of 1.0 µs (Node 20), and it is built once per HTTP request.
  const document: Record<string, unknown> = options.properties ? Object.assign({}, options.properties) : {};
  const directives: EmfDocument["_aws"]["CloudWatchMetrics"] = [];
  const namespace = options.namespace ?? METRICS_NAMESPACE;
  for (const { dimensions, metrics } of groups) {
    if (metrics.length === 0) continue;
    const names: string[] = [];
    for (const key in dimensions) {
      document[key] = dimensions[key];
      names.push(key);
    }
    const definitions = new Array<{ Name: string; Unit: MetricUnit }>(metrics.length);
    for (let i = 0; i < metrics.length; i++) {
      const metric = metrics[i] as MetricValue;
      document[metric.name] = metric.value;
      definitions[i] = { Name: metric.name, Unit: metric.unit };
    }
    directives.push({ Namespace: namespace, Dimensions: [names], Metrics: definitions });
  }
  document._aws = { Timestamp: options.timestamp ?? Date.now(), CloudWatchMetrics: directives };
  return document as EmfDocument;
}

/** Emits metrics as EMF documents to a sink (stdout in Lambda, the collector in the sandbox). */
export class MetricsEmitter {
  constructor(private readonly sink: MetricsSink = stdoutMetricsSink) {}

  emit(
    dimensions: Record<string, string>,
    metrics: MetricValue[],
    options?: { timestamp?: number; properties?: Record<string, unknown> },
  ): void {
    if (metrics.length > 0) this.sink(emfDocument([{ dimensions, metrics }], options));
  }
}
