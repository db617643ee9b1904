import {
  type EmfDocument,
  METRIC_SERIES,
  METRICS_NAMESPACE,
  METRICS_WINDOW_MINUTES,
  type MetricSeries,
  type MetricsQuery,
  type MetricsReader,
  type MetricsSink,
  minuteStart,
  type SeriesDefinition,
} from "@meridian/core";

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

/** One minute of one metric and dimension set: what CloudWatch stores of EMF values, per minute. */
interface MinuteBucket {
  /** The minute's start, in milliseconds. */
  start: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

type Entry = CollectedMetric & { at: number; minutes: MinuteBucket[] };

const MINUTE_MS = 60_000;
/** Buckets kept per metric and dimension set: the longest window `GET /metrics` reads. */
const KEPT_MINUTES = METRICS_WINDOW_MINUTES.max;

/**
 * The sandbox's stand-in for CloudWatch: it reads the EMF documents the functions emit and keeps, per
 * metric and dimension set, the latest value and running aggregates (served at `GET /_sandbox/metrics`),
 * and per-minute buckets (sum, count, min, max) of the last 180 minutes, read back by `reader()` for
 * `GET /metrics` as CloudWatch's GetMetricData answers in AWS.
 */
export class MetricsCollector {
  readonly #metrics = new Map<string, Entry>();

  readonly sink: MetricsSink = (document: EmfDocument) => {
    // Runs for every HTTP request in the sandbox: plain loops, and the ISO date only for new metrics or
    // when the timestamp moved (it is read far less often than it is written).
    const timestamp = document._aws.Timestamp;
    const minute = minuteStart(timestamp);
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
            addToMinute(seen.minutes, minute, value);
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
              minutes: [{ start: minute, sum: value, count: 1, min: value, max: value }],
            });
          }
        }
      }
    }
  };

  snapshot(): CollectedMetric[] {
    return [...this.#metrics.values()]
      .map(({ at: _at, minutes: _minutes, ...metric }) => metric)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The catalogue's series (METRIC_SERIES) from the buckets, as GetMetricData answers them: one point per
   * minute of [from, to) that has data, oldest first, from the buckets of the metric with exactly the
   * series' dimension set (the HTTP series: the `{service}` rollup observeRequests emits).
   *
   * @example
   * createApp({ ...deps, metrics: collector.reader() });
   */
  reader(): MetricsReader {
    return { read: async (query) => this.#read(query) };
  }

  #read({ from, to }: MetricsQuery): MetricSeries[] {
    const fromMs = from.getTime();
    const toMs = to.getTime();
    const entries = [...this.#metrics.values()];
    return METRIC_SERIES.map((series) => {
      const entry = entries.find((e) => matches(series, e));
      const points = (entry?.minutes ?? [])
        .filter((bucket) => bucket.start >= fromMs && bucket.start < toMs)
        .map((bucket) => ({ t: new Date(bucket.start).toISOString(), v: statOf(series, bucket) }));
      return { id: series.id, label: series.label, unit: series.unit, stat: series.stat, points };
    });
  }
}

/**
 * Adds a value to its minute's bucket. Documents arrive in time order almost always (a job's point, stamped
 * at its interval's end, may come after newer ones): the newest bucket is the one to look at first. Buckets
 * older than KEPT_MINUTES before the newest are dropped, so each metric keeps at most that many.
 */
function addToMinute(minutes: MinuteBucket[], start: number, value: number): void {
  let i = minutes.length - 1;
  while (i >= 0 && (minutes[i] as MinuteBucket).start > start) i--;
  const bucket = minutes[i];
  if (bucket && bucket.start === start) {
    bucket.sum += value;
    bucket.count += 1;
    if (value < bucket.min) bucket.min = value;
    if (value > bucket.max) bucket.max = value;
    return;
  }
  const oldest = (minutes[minutes.length - 1]?.start ?? start) - (KEPT_MINUTES - 1) * MINUTE_MS;
  if (start < oldest) return;
  minutes.splice(i + 1, 0, { start, sum: value, count: 1, min: value, max: value });
  const newest = (minutes[minutes.length - 1] as MinuteBucket).start;
  let expired = 0;
  while (
    expired < minutes.length &&
    (minutes[expired] as MinuteBucket).start <= newest - KEPT_MINUTES * MINUTE_MS
  )
    expired++;
  if (expired > 0) minutes.splice(0, expired);
}

/** The metric of the series' name whose dimension set is exactly the series' (names and values). */
function matches(series: SeriesDefinition, entry: Entry): boolean {
  if (entry.name !== series.metric || entry.namespace !== METRICS_NAMESPACE) return false;
  const names = Object.keys(entry.dimensions);
  if (names.length !== Object.keys(series.dimensions).length) return false;
  for (const name of names) if (entry.dimensions[name] !== series.dimensions[name]) return false;
  return true;
}

function statOf(series: SeriesDefinition, bucket: MinuteBucket): number {
  if (series.stat === "Sum") return bucket.sum;
  if (series.stat === "Maximum") return bucket.max;
  return bucket.sum / bucket.count;
}
