import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

/** A chart's data and look: one x axis (seconds since 1970) and one or more series on it. */
export interface ChartSpec {
  x: number[];
  series: { label: string; values: (number | null)[]; color: string; unit?: string; bars?: boolean }[];
}

const bars = uPlot.paths.bars?.({ size: [0.8, 40] });

function options(spec: ChartSpec, width: number, height: number): uPlot.Options {
  return {
    width,
    height,
    // Room on the right for the last time label, which uPlot centres on the plot's edge.
    padding: [8, 32, 0, 0],
    legend: { show: spec.series.length > 1 },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(1, max * 1.1)] } },
    axes: [
      { stroke: "#444", grid: { stroke: "#e3e3e3" } },
      { stroke: "#444", grid: { stroke: "#e3e3e3" }, size: 50 },
    ],
    series: [
      {},
      ...spec.series.map((s) => ({
        label: s.unit ? `${s.label} (${s.unit})` : s.label,
        stroke: s.color,
        width: 2,
        fill: s.bars ? `${s.color}99` : undefined,
        paths: s.bars ? bars : undefined,
        points: { show: false },
        spanGaps: false,
      })),
    ],
  };
}

const dataOf = (spec: ChartSpec): uPlot.AlignedData => [spec.x, ...spec.series.map((s) => s.values)];

/** Draws the chart into `element`; the component updates, resizes and destroys it. Loaded lazily. */
export function createChart(element: HTMLElement, spec: ChartSpec, width: number, height: number) {
  let plot = new uPlot(options(spec, width, height), dataOf(spec), element);
  let shape = spec.series.map((s) => s.label).join("|");
  return {
    update(next: ChartSpec) {
      const nextShape = next.series.map((s) => s.label).join("|");
      if (nextShape === shape) return plot.setData(dataOf(next));
      // A different set of series needs new options: build the chart again at the same size.
      const size = { width: plot.width, height: plot.height };
      plot.destroy();
      plot = new uPlot(options(next, size.width, size.height), dataOf(next), element);
      shape = nextShape;
    },
    resize(nextWidth: number) {
      if (nextWidth !== plot.width) plot.setSize({ width: nextWidth, height: plot.height });
    },
    destroy() {
      plot.destroy();
    },
  };
}
