import type {
  CloudWatchClient,
  CloudWatchClientConfig,
  GetMetricDataCommandOutput,
  MetricDataQuery,
} from "@aws-sdk/client-cloudwatch";
import {
  BUDGETS,
  type CallBudget,
  DependencyUnavailableError,
  METRIC_SERIES,
  METRICS_NAMESPACE,
  type MetricPoint,
  type MetricSeries,
  type MetricsQuery,
  type MetricsReader,
  type SeriesDefinition,
} from "@meridian/core";
import { clientBudget } from "./budget.ts";

export interface CloudWatchMetricsOptions {
  region?: string;
  /** Timeouts and retries of each GetMetricData call (BUDGETS); default the HTTP function's. */
  budget?: CallBudget;
  /** Default METRICS_NAMESPACE. */
  namespace?: string;
  /** How long an answer is kept per window length. Default 60 s: CloudWatch's data is per minute. */
  cacheMs?: number;
  now?: () => number;
  instrument?: (client: CloudWatchClient) => CloudWatchClient;
}

/** Dimensions as GetMetricData takes them. */
const dimensionList = (dimensions: Readonly<Record<string, string>>) =>
  Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value }));

/**
 * Every series of `series.metric` with exactly the series' dimensions plus its `overDimensions` (any
 * value: every route), as one SEARCH; the dashboard's route graphs use the same (meridianSearch).
 */
function search(series: SeriesDefinition, namespace: string, stat: string, period: number): string {
  const schema = [namespace, ...Object.keys(series.dimensions), ...(series.overDimensions ?? [])].join(",");
  const values = Object.entries(series.dimensions)
    .map(([name, value]) => ` ${name}="${value}"`)
    .join("");
  return `SEARCH('{${schema}} MetricName="${series.metric}"${values}', '${stat}', ${period})`;
}

/**
 * The GetMetricData queries of the catalogue, one returned per series (its id is the series' id). A series
 * over a dimension adds up what SEARCH finds: SUM of the sums, MAX of the maxima, and the average as the sum
 * of the sums over the sum of the sample counts (two hidden queries): averaging the routes' averages would
 * weigh a quiet route like a busy one.
 */
export function metricDataQueries(namespace = METRICS_NAMESPACE, period = 60): MetricDataQuery[] {
  const queries: MetricDataQuery[] = [];
  for (const series of METRIC_SERIES) {
    const { id, label: Label } = series;
    if (!series.overDimensions) {
      queries.push({
        Id: id,
        Label,
        MetricStat: {
          Metric: {
            Namespace: namespace,
            MetricName: series.metric,
            Dimensions: dimensionList(series.dimensions),
          },
          Period: period,
          Stat: series.stat,
        },
        ReturnData: true,
      });
    } else if (series.stat === "Average") {
      queries.push(
        {
          Id: `${id}Sum`,
          Expression: search(series, namespace, "Sum", period),
          Period: period,
          ReturnData: false,
        },
        {
          Id: `${id}Count`,
          Expression: search(series, namespace, "SampleCount", period),
          Period: period,
          ReturnData: false,
        },
        { Id: id, Label, Expression: `SUM(${id}Sum) / SUM(${id}Count)`, Period: period, ReturnData: true },
      );
    } else {
      const aggregate = series.stat === "Sum" ? "SUM" : "MAX";
      const expression = `${aggregate}(${search(series, namespace, series.stat, period)})`;
      queries.push({ Id: id, Label, Expression: expression, Period: period, ReturnData: true });
    }
  }
  return queries;
}

type Sdk = typeof import("@aws-sdk/client-cloudwatch");

/**
 * GetMetricData's reader: one call (and its NextToken pages) with one query per series, oldest point first.
 * The SDK is imported on the first read, so the HTTP function's cold starts that serve anything else never
 * load it (a chunk of its own in the bundle, as the S3 client is). Answers are kept `cacheMs` per window
 * length (GetMetricData is billed per metric requested; each open dashboard polls), concurrent reads of one
 * length share one call, and a failed call is not kept.
 *
 * @example
 * const metrics = cloudWatchMetrics({ region, budget: BUDGETS.http.call });
 * await metrics.read(metricsWindow(Date.now(), 60));
 */
export function cloudWatchMetrics(options: CloudWatchMetricsOptions = {}): MetricsReader {
  const namespace = options.namespace ?? METRICS_NAMESPACE;
  const cacheMs = options.cacheMs ?? 60_000;
  const now = options.now ?? Date.now;
  let loaded: Promise<{ sdk: Sdk; client: CloudWatchClient }> | undefined;
  const cache = new Map<number, { at: number; answer: Promise<MetricSeries[]> }>();

  const load = () => {
    loaded ??= import("@aws-sdk/client-cloudwatch")
      .then((sdk) => {
        const config: CloudWatchClientConfig = { ...clientBudget(options.budget ?? BUDGETS.http.call) };
        if (options.region) config.region = options.region;
        const client = new sdk.CloudWatchClient(config);
        return { sdk, client: options.instrument?.(client) ?? client };
      })
      .catch((error: unknown) => {
        loaded = undefined; // tried again by the next read
        throw error;
      });
    return loaded;
  };

  const fetchSeries = async (query: MetricsQuery): Promise<MetricSeries[]> => {
    const { sdk, client } = await load();
    const queries = metricDataQueries(namespace, query.periodSeconds);
    const points = new Map<string, MetricPoint[]>(METRIC_SERIES.map((s) => [s.id, []]));
    let token: string | undefined;
    do {
      const page: GetMetricDataCommandOutput = await client.send(
        new sdk.GetMetricDataCommand({
          StartTime: query.from,
          EndTime: query.to,
          MetricDataQueries: queries,
          ScanBy: "TimestampAscending",
          NextToken: token,
        }),
      );
      for (const result of page.MetricDataResults ?? []) {
        if (result.StatusCode === "Forbidden" || result.StatusCode === "InternalError") {
          const detail = (result.Messages ?? []).map((m) => m.Value).join("; ");
          throw new DependencyUnavailableError("CloudWatch", {
            cause: new Error(`${result.Id}: ${result.StatusCode} ${detail}`),
          });
        }
        const into = result.Id ? points.get(result.Id) : undefined;
        if (!into) continue;
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        for (let i = 0; i < timestamps.length; i++) {
          const v = values[i];
          if (v !== undefined && Number.isFinite(v))
            into.push({ t: (timestamps[i] as Date).toISOString(), v });
        }
      }
      token = page.NextToken;
    } while (token);
    return METRIC_SERIES.map(({ id, label, unit, stat }) => ({
      id,
      label,
      unit,
      stat,
      points: (points.get(id) ?? []).sort((a, b) => a.t.localeCompare(b.t)),
    }));
  };

  return {
    async read(query) {
      const minutes = Math.round((query.to.getTime() - query.from.getTime()) / 60_000);
      const kept = cache.get(minutes);
      let answer: Promise<MetricSeries[]>;
      if (kept && now() - kept.at < cacheMs) answer = kept.answer;
      else {
        answer = fetchSeries(query);
        const entry = { at: now(), answer };
        cache.set(minutes, entry);
        answer.catch(() => {
          if (cache.get(minutes) === entry) cache.delete(minutes);
        });
      }
      // A kept answer is up to a minute older than this window: its points before `from` are left out.
      const from = query.from.toISOString();
      const to = query.to.toISOString();
      return (await answer).map((series) => ({
        ...series,
        points: series.points.filter((p) => p.t >= from && p.t < to),
      }));
    },
  };
}
