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
 * The GetMetricData queries of the catalogue: one plain MetricStat per series (its id is the series' id),
 * each series' metric under exactly its dimensions. The HTTP series read observeRequests' `{service}`
 * rollup, so a call asks for 16 metrics however many routes had traffic.
 */
export function metricDataQueries(namespace = METRICS_NAMESPACE, period = 60): MetricDataQuery[] {
  return METRIC_SERIES.map((series) => ({
    Id: series.id,
    Label: series.label,
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
  }));
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
