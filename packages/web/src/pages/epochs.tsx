import { useMemo, useState } from "preact/hooks";
import { POLL } from "../backoff.ts";
import { Chart } from "../components/chart.tsx";
import { PageHeading } from "../components/page.tsx";
import { Empty, ErrorState, Loading, messageOf } from "../components/states.tsx";
import { getMetrics, listEpochs, recordEpoch } from "../endpoints.ts";
import { formatEpoch } from "../format.ts";
import { usePolled } from "../poll.ts";
import { announce } from "../runtime.ts";
import { alignSeries, seriesOf, sum } from "../series.ts";
import type { Epoch } from "../types.ts";

/**
 * Records per minute for the last hour (a live chart), the latest ten records (a customer's own: the API
 * shows every record, with its IP, to admins only), and a button that records one.
 */
export function EpochsPage(props: { admin: boolean }) {
  const mine = !props.admin;
  const epochs = usePolled(
    (signal) => listEpochs(10, mine, signal),
    () => POLL.epochs,
    [mine],
  );
  // What this page recorded, shown at once: `mine=true` lists are about a second behind the write.
  const [recorded, setRecorded] = useState<Epoch[]>([]);
  const latest = useMemo(() => {
    if (!epochs.data) return undefined;
    const byId = new Map([...recorded, ...epochs.data.items].map((e) => [e.id, e]));
    return [...byId.values()].sort((a, b) => b.epoch - a.epoch).slice(0, 10);
  }, [epochs.data, recorded]);
  const metrics = usePolled(
    (signal, fresh) => getMetrics(60, signal, fresh),
    () => POLL.metrics,
  );
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string>();

  const chart = useMemo(() => {
    if (!metrics.data) return undefined;
    const { from, to, periodSeconds } = metrics.data;
    const recorded = seriesOf(metrics.data, "epochsRecorded");
    const aligned = alignSeries(recorded.points, from, to, periodSeconds, 0);
    return {
      total: sum(recorded),
      spec: {
        x: aligned.x,
        series: [{ label: "Records", values: aligned.y, color: "#1f5fbf", bars: true }],
      },
    };
  }, [metrics.data]);

  const record = async () => {
    setBusy(true);
    setFailure(undefined);
    try {
      const epoch = await recordEpoch();
      setRecorded((current) => [epoch, ...current].slice(0, 10));
      announce(`Epoch recorded at ${formatEpoch(epoch.epoch)}`);
      epochs.refresh();
      metrics.refresh();
    } catch (error) {
      setFailure(messageOf(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeading title="Epochs">
        <button type="button" class="primary" onClick={() => void record()} disabled={busy}>
          {busy ? "Recording…" : "Record epoch"}
        </button>
      </PageHeading>
      {failure ? (
        <p class="state error" role="alert">
          {failure}
        </p>
      ) : null}

      <section aria-labelledby="epochs-chart-heading" class="panel">
        <h2 id="epochs-chart-heading">Records per minute</h2>
        <p class="hint">Last 60 minutes{chart ? ` · ${chart.total} recorded` : ""}</p>
        {chart ? (
          <Chart
            spec={chart.spec}
            summary={`Records per minute over the last 60 minutes: ${chart.total} in total`}
          />
        ) : metrics.error ? (
          <ErrorState error={metrics.error} retry={metrics.refresh} />
        ) : (
          <Loading what="the chart" />
        )}
      </section>

      <section aria-labelledby="epochs-latest-heading" class="panel">
        <h2 id="epochs-latest-heading">{mine ? "Your latest records" : "Latest records"}</h2>
        {epochs.error && !latest ? (
          <ErrorState error={epochs.error} retry={epochs.refresh} />
        ) : !latest ? (
          <Loading what="records" />
        ) : latest.length === 0 ? (
          <Empty>No epochs recorded yet. Record one with the button above.</Empty>
        ) : (
          <div class="table-wrap">
            <table>
              <caption class="sr-only">{mine ? "Your 10 newest records" : "The 10 newest records"}</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Id</th>
                  <th scope="col">IP</th>
                </tr>
              </thead>
              <tbody>
                {latest.map((epoch) => (
                  <tr key={epoch.id}>
                    <td>{formatEpoch(epoch.epoch)}</td>
                    <td class="mono break">{epoch.id}</td>
                    <td class="mono">{epoch.ip}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {epochs.error && epochs.data ? <ErrorState error={epochs.error} retry={epochs.refresh} /> : null}
      </section>
    </>
  );
}
