import { useEffect, useRef, useState } from "preact/hooks";
import type { ChartSpec } from "./uplot-chart.ts";

export type { ChartSpec } from "./uplot-chart.ts";

/**
 * A uPlot chart that fills its container's width (a ResizeObserver gives uPlot the explicit width it needs,
 * so it shrinks on a phone). uPlot and its CSS are loaded on first use, in their own chunk, so the first page
 * does not wait for them. `summary` is the chart's accessible name: what a screen reader hears instead of
 * the canvas.
 */
export function Chart(props: { spec: ChartSpec; summary: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<
    { update(spec: ChartSpec): void; resize(width: number): void; destroy(): void } | undefined
  >(undefined);
  const [failed, setFailed] = useState(false);
  const spec = useRef(props.spec);
  spec.current = props.spec;
  const height = props.height ?? 220;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    let cancelled = false;
    let observer: ResizeObserver | undefined;
    import("./uplot-chart.ts")
      .then(({ createChart }) => {
        if (cancelled) return;
        const created = createChart(element, spec.current, Math.max(element.clientWidth, 200), height);
        chart.current = created;
        observer = new ResizeObserver(([entry]) => {
          if (entry) created.resize(Math.max(Math.floor(entry.contentRect.width), 200));
        });
        observer.observe(element);
      })
      .catch(() => setFailed(true));
    return () => {
      cancelled = true;
      observer?.disconnect();
      chart.current?.destroy();
      chart.current = undefined;
    };
  }, [height]);

  useEffect(() => {
    chart.current?.update(props.spec);
  }, [props.spec]);

  return (
    <div class="chart" role="img" aria-label={props.summary}>
      <div ref={box} class="chart-canvas" />
      {failed ? <p class="state error">The chart could not be loaded.</p> : null}
    </div>
  );
}
