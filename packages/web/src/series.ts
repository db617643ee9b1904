/** The shape of `GET /metrics` and the arithmetic the Epochs and Health pages do on it. */

export interface MetricPoint {
  /** Start of the period, ISO 8601. */
  t: string;
  v: number;
}

export interface MetricSeries {
  id: string;
  label: string;
  unit: string;
  stat: string;
  points: MetricPoint[];
}

export interface MetricsResponse {
  periodSeconds: number;
  from: string;
  to: string;
  series: MetricSeries[];
}

/** One value per period from `from` to `to`, as uPlot wants them: x in seconds, y aligned with it. */
export interface AlignedSeries {
  x: number[];
  y: (number | null)[];
}

/**
 * Lays a series' points on every period between `from` (inclusive) and `to` (exclusive), putting `fill`
 * where the API has no point (points exist only where data do): 0 for counts, null (a gap in the line) for
 * figures such as latency that have no value without traffic. A point off the period grid is binned into the
 * period it falls in; several in one period are added up.
 *
 * @example
 * alignSeries([{ t: "2026-12-04T10:01:00Z", v: 3 }], "2026-12-04T10:00:00Z", "2026-12-04T10:03:00Z", 60, 0).y
 * // [0, 3, 0]
 */
export function alignSeries(
  points: readonly MetricPoint[],
  from: string,
  to: string,
  periodSeconds: number,
  fill: number | null,
): AlignedSeries {
  const start = Math.floor(Date.parse(from) / 1000 / periodSeconds) * periodSeconds;
  const end = Date.parse(to) / 1000;
  const count =
    Number.isFinite(start) && Number.isFinite(end)
      ? Math.max(0, Math.ceil((end - start) / periodSeconds))
      : 0;
  const x = Array.from({ length: count }, (_, i) => start + i * periodSeconds);
  const y: (number | null)[] = x.map(() => fill);
  for (const point of points) {
    const at = Date.parse(point.t) / 1000;
    const index = Math.floor((at - start) / periodSeconds);
    if (!Number.isFinite(point.v) || index < 0 || index >= count) continue;
    y[index] = (y[index] ?? 0) + point.v;
  }
  return { x, y };
}

/** The series with that id, or an empty one (the API leaves out nothing, but an older API might). */
export function seriesOf(metrics: MetricsResponse, id: string): MetricSeries {
  return metrics.series.find((s) => s.id === id) ?? { id, label: id, unit: "", stat: "", points: [] };
}

/** A unit as a short suffix: Milliseconds → ms, Seconds → s, Count → nothing. */
export function unitLabel(unit: string): string {
  return ({ Milliseconds: "ms", Seconds: "s" } as Record<string, string>)[unit] ?? "";
}

export const sum = (series: MetricSeries) => series.points.reduce((total, p) => total + p.v, 0);
export const max = (series: MetricSeries) =>
  series.points.length === 0 ? undefined : Math.max(...series.points.map((p) => p.v));

/** The newest point's value (points may come in any order); undefined without points. */
export function latest(series: MetricSeries): number | undefined {
  let newest: MetricPoint | undefined;
  for (const point of series.points)
    if (!newest || Date.parse(point.t) > Date.parse(newest.t)) newest = point;
  return newest?.v;
}

/**
 * The hour's average latency: each period's average weighted by its request count, so a quiet minute with
 * one slow request does not count as much as a busy one. Falls back to the plain mean of the periods when the
 * request counts do not line up with the latency points.
 */
export function weightedAverage(averages: MetricSeries, weights: MetricSeries): number | undefined {
  if (averages.points.length === 0) return undefined;
  const weightAt = new Map(weights.points.map((p) => [Date.parse(p.t), p.v]));
  let total = 0;
  let weight = 0;
  for (const point of averages.points) {
    const w = weightAt.get(Date.parse(point.t));
    if (w === undefined || w <= 0) {
      const mean = averages.points.reduce((s, p) => s + p.v, 0) / averages.points.length;
      return mean;
    }
    total += point.v * w;
    weight += w;
  }
  return total / weight;
}
