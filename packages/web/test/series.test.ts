import { describe, expect, it } from "vitest";
import {
  alignSeries,
  latest,
  type MetricSeries,
  max,
  sum,
  unitLabel,
  weightedAverage,
} from "../src/series.ts";

const series = (points: [string, number][]): MetricSeries => ({
  id: "s",
  label: "s",
  unit: "Count",
  stat: "Sum",
  points: points.map(([t, v]) => ({ t: `2026-12-04T10:${t}:00.000Z`, v })),
});

describe("alignSeries", () => {
  it("puts a value on every minute, 0 where the API sent no point", () => {
    const { x, y } = alignSeries(
      series([
        ["01", 3],
        ["03", 1],
      ]).points,
      "2026-12-04T10:00:00Z",
      "2026-12-04T10:05:00Z",
      60,
      0,
    );

    expect(y).toEqual([0, 3, 0, 1, 0]);
    expect(x[0]).toBe(Date.parse("2026-12-04T10:00:00Z") / 1000);
    expect(x.at(-1)).toBe(Date.parse("2026-12-04T10:04:00Z") / 1000);
  });

  it("leaves gaps (null) for figures that have no value without traffic", () => {
    const { y } = alignSeries(
      series([["02", 12.5]]).points,
      "2026-12-04T10:00:00Z",
      "2026-12-04T10:04:00Z",
      60,
      null,
    );

    expect(y).toEqual([null, null, 12.5, null]);
  });

  it("bins points off the grid into their minute, adds up several in one, and drops those outside the window", () => {
    const points = [
      { t: "2026-12-04T10:01:10Z", v: 2 },
      { t: "2026-12-04T10:01:50Z", v: 5 },
      { t: "2026-12-04T09:59:00Z", v: 100 },
      { t: "2026-12-04T10:03:00Z", v: 100 },
    ];

    // A window that starts mid-minute starts at that minute; its end is exclusive.
    const { y } = alignSeries(points, "2026-12-04T10:00:30Z", "2026-12-04T10:03:00Z", 60, 0);

    expect(y).toEqual([0, 7, 0]);
  });

  it("answers nothing for an unreadable window", () => {
    expect(alignSeries([], "soon", "later", 60, 0)).toEqual({ x: [], y: [] });
  });
});

describe("totals", () => {
  it("sums, takes the max and the newest value whatever the order of the points", () => {
    const s = series([
      ["05", 4],
      ["01", 9],
      ["03", 2],
    ]);

    expect(sum(s)).toBe(15);
    expect(max(s)).toBe(9);
    expect(latest(s)).toBe(4);
    expect(latest(series([]))).toBeUndefined();
    expect(max(series([]))).toBeUndefined();
  });

  it("shortens the API's units for tiles and legends", () => {
    expect([unitLabel("Milliseconds"), unitLabel("Seconds"), unitLabel("Count")]).toEqual(["ms", "s", ""]);
  });

  it("weights each minute's average latency by its requests", () => {
    const averages = series([
      ["00", 100],
      ["01", 10],
    ]);
    const requests = series([
      ["00", 1],
      ["01", 9],
    ]);

    expect(weightedAverage(averages, requests)).toBe(19);
    // Request counts that do not line up: the plain mean of the minutes.
    expect(weightedAverage(averages, series([["00", 1]]))).toBe(55);
    expect(weightedAverage(series([]), requests)).toBeUndefined();
  });
});
