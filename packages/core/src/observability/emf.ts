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
      Dimensions: (readonly string[])[];
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
  /**
   * More dimension sets for the same metrics, each a subset of `dimensions`' keys (`[["service"]]` under
   * `{service, route}`): CloudWatch keeps the values under each set too, so a total over every route is one
   * metric to read instead of a SEARCH over all of them. Each set is one more custom metric per metric.
   */
  rollups?: readonly (readonly string[])[];
}

/**
 * Builds one EMF document holding one or more metric groups, each with its own dimension set. Dimension
 * values and metric values are members of the document, so groups must agree on the dimensions they share
 * (`service` in both `{service, route}` and `{service}`). Extra `properties` are logged with the document
 * (searchable in Logs Insights) but are not dimensions, so ids may go there. A group's `rollups` are more
 * entries of its directive's `Dimensions` (EMF allows several dimension sets per directive); a rollup key
 * that is not one of the group's dimensions throws (CloudWatch would drop the document).
 *
 * @example
 * emfDocument([{ dimensions: { service: "http", route: "/epoch" }, metrics, rollups: [["service"]] }]);
 * // _aws.CloudWatchMetrics[0].Dimensions: [["service", "route"], ["service"]]
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
  for (const { dimensions, metrics, rollups } of groups) {
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
    const sets: (readonly string[])[] = [names];
    if (rollups)
      for (const rollup of rollups) {
        for (const key of rollup)
          if (typeof dimensions[key] !== "string")
            throw new TypeError(`EMF rollup key "${key}" is not a dimension of its group`);
        sets.push(rollup);
      }
    directives.push({ Namespace: namespace, Dimensions: sets, Metrics: definitions });
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
