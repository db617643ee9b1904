import { useMemo } from "preact/hooks";
import { POLL } from "../backoff.ts";
import { Chart, type ChartSpec } from "../components/chart.tsx";
import { PageHeading } from "../components/page.tsx";
import { Empty, ErrorState, Loading } from "../components/states.tsx";
import { getMetrics } from "../endpoints.ts";
import { usePolled } from "../poll.ts";
import {
  alignSeries,
  latest,
  type MetricsResponse,
  max,
  seriesOf,
  sum,
  unitLabel,
  weightedAverage,
} from "../series.ts";

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const show = (value: number | undefined, unit = "") =>
  value === undefined ? "—" : `${number.format(value)}${unit ? ` ${unit}` : ""}`;

interface Tile {
  label: string;
  value: string;
}

function tilesOf(metrics: MetricsResponse) {
  const s = (id: string) => seriesOf(metrics, id);
  const hour: Tile[] = [
    { label: "Requests", value: show(sum(s("requests"))) },
    { label: "5xx errors", value: show(sum(s("errors"))) },
    { label: "4xx responses", value: show(sum(s("clientErrors"))) },
    {
      label: "Average latency",
      value: show(weightedAverage(s("latencyAvg"), s("requests")), unitLabel(s("latencyAvg").unit)),
    },
    { label: "Max latency", value: show(max(s("latencyMax")), unitLabel(s("latencyMax").unit)) },
    { label: "Epochs recorded", value: show(sum(s("epochsRecorded"))) },
    { label: "Orders placed", value: show(sum(s("ordersPlaced"))) },
    { label: "Orders confirmed", value: show(sum(s("ordersConfirmed"))) },
    { label: "Orders rejected", value: show(sum(s("ordersRejected"))) },
    { label: "Stock-outs", value: show(sum(s("stockOuts"))) },
  ];
  const job: Tile[] = [
    { label: "Epochs in the last interval", value: show(latest(s("jobEpochsInInterval"))) },
    {
      label: "Oldest pending order",
      value: show(latest(s("jobOldestPendingAgeSeconds")), unitLabel(s("jobOldestPendingAgeSeconds").unit)),
    },
    { label: "Orders pending", value: show(latest(s("jobOrdersPending"))) },
    { label: "Orders confirmed", value: show(latest(s("jobOrdersConfirmed"))) },
    { label: "Orders rejected", value: show(latest(s("jobOrdersRejected"))) },
    { label: "Orders cancelled", value: show(latest(s("jobOrdersCancelled"))) },
  ];
  return { hour, job };
}

function chartsOf(metrics: MetricsResponse): { traffic: ChartSpec; latency: ChartSpec } {
  const { from, to, periodSeconds } = metrics;
  const counts = (id: string) => alignSeries(seriesOf(metrics, id).points, from, to, periodSeconds, 0);
  // No requests in a minute means no latency, not a latency of 0: a gap in the line.
  const figures = (id: string) => alignSeries(seriesOf(metrics, id).points, from, to, periodSeconds, null);
  const requests = counts("requests");
  return {
    traffic: {
      x: requests.x,
      series: [
        { label: "Requests", values: requests.y, color: "#1f5fbf" },
        { label: "5xx errors", values: counts("errors").y, color: "#b3261e" },
        { label: "4xx", values: counts("clientErrors").y, color: "#8a5a00" },
      ],
    },
    latency: {
      x: requests.x,
      series: [
        {
          label: "Average",
          values: figures("latencyAvg").y,
          color: "#1f5fbf",
          unit: unitLabel(seriesOf(metrics, "latencyAvg").unit),
        },
        {
          label: "Max",
          values: figures("latencyMax").y,
          color: "#6b3fa0",
          unit: unitLabel(seriesOf(metrics, "latencyMax").unit),
        },
      ],
    },
  };
}

function Tiles(props: { tiles: Tile[]; label: string }) {
  return (
    <dl class="tiles" aria-label={props.label}>
      {props.tiles.map((tile) => (
        <div class="tile" key={tile.label}>
          <dt>{tile.label}</dt>
          <dd>{tile.value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** The platform's own health for the last hour, from `GET /metrics` alone, refreshed every minute. */
export function HealthPage() {
  const metrics = usePolled(
    (signal, fresh) => getMetrics(60, signal, fresh),
    () => POLL.metrics,
  );
  const view = useMemo(() => {
    const data = metrics.data;
    if (!data) return undefined;
    const empty = data.series.every((s) => s.points.length === 0);
    return { empty, tiles: tilesOf(data), charts: chartsOf(data) };
  }, [metrics.data]);

  return (
    <>
      <PageHeading title="Health" />
      {metrics.error ? <ErrorState error={metrics.error} retry={metrics.refresh} /> : null}
      {!view ? (
        metrics.error ? null : (
          <Loading what="metrics" />
        )
      ) : view.empty ? (
        <Empty>
          No data yet. Figures appear here after the first requests and the metrics job's first run.
        </Empty>
      ) : (
        <>
          <section class="panel" aria-labelledby="hour-heading">
            <h2 id="hour-heading">Last hour</h2>
            <Tiles tiles={view.tiles.hour} label="Totals of the last hour" />
          </section>
          <section class="panel" aria-labelledby="traffic-heading">
            <h2 id="traffic-heading">Requests and errors per minute</h2>
            <Chart
              spec={view.charts.traffic}
              summary={`Requests and errors per minute over the last hour: ${view.tiles.hour[0]?.value} requests, ${view.tiles.hour[1]?.value} 5xx errors`}
            />
          </section>
          <section class="panel" aria-labelledby="latency-heading">
            <h2 id="latency-heading">Latency</h2>
            <Chart
              spec={view.charts.latency}
              summary={`Latency per minute over the last hour: average ${view.tiles.hour[3]?.value}, max ${view.tiles.hour[4]?.value}`}
            />
          </section>
          <section class="panel" aria-labelledby="job-heading">
            <h2 id="job-heading">Metrics job</h2>
            <p class="hint">The latest figures the scheduled metrics job published.</p>
            <Tiles tiles={view.tiles.job} label="Latest figures of the metrics job" />
          </section>
        </>
      )}
    </>
  );
}
