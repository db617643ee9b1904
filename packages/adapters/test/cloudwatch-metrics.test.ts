import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  type MetricDataResult,
} from "@aws-sdk/client-cloudwatch";
import { DependencyUnavailableError, METRIC_SERIES, metricsWindow } from "@meridian/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { cloudWatchMetrics } from "../src/aws/cloudwatch-metrics.ts";

// There is no CloudWatch engine to run locally: the SDK client is mocked, and the tests check what the
// reader asks GetMetricData for and how it maps the answer.
const NOW = Date.parse("2026-12-04T12:30:20.000Z");
const MINUTE = 60_000;
const at = (minutesAgo: number) => new Date(Math.floor(NOW / MINUTE) * MINUTE - minutesAgo * MINUTE);

let cw: ReturnType<typeof mockClient>;
let clock = NOW;
const reader = () => cloudWatchMetrics({ region: "eu-west-1", now: () => clock });
const sent = (call = 0) =>
  cw.commandCalls(GetMetricDataCommand)[call]?.args[0].input as GetMetricDataCommandInput;
const result = (Id: string, points: [Date, number][]): MetricDataResult => ({
  Id,
  StatusCode: "Complete",
  Timestamps: points.map(([t]) => t),
  Values: points.map(([, v]) => v),
});

beforeEach(() => {
  clock = NOW;
  cw = mockClient(CloudWatchClient);
  cw.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
});
afterEach(() => cw.restore());

describe("cloudWatchMetrics: the queries", () => {
  it("asks one GetMetricData for the window, oldest first, one query per series of the catalogue", async () => {
    const window = metricsWindow(NOW, 60);

    await reader().read(window);

    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    const input = sent();
    expect(input.StartTime).toEqual(window.from);
    expect(input.EndTime).toEqual(window.to);
    expect(input.ScanBy).toBe("TimestampAscending");
    expect((input.MetricDataQueries ?? []).map((q) => q.Id)).toEqual(METRIC_SERIES.map((s) => s.id));
    expect((input.MetricDataQueries ?? []).every((q) => q.MetricStat?.Period === 60)).toBe(true);
  });

  it("reads the business counts and the job's figures under their service (and status), with their statistic", async () => {
    await reader().read(metricsWindow(NOW, 60));

    const byId = new Map((sent().MetricDataQueries ?? []).map((q) => [q.Id, q]));
    expect(byId.get("epochsRecorded")?.MetricStat).toEqual({
      Metric: {
        Namespace: "Meridian",
        MetricName: "EpochsRecorded",
        Dimensions: [{ Name: "service", Value: "http" }],
      },
      Period: 60,
      Stat: "Sum",
    });
    expect(byId.get("stockOuts")?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: "service", Value: "order-stream" },
    ]);
    expect(byId.get("jobOldestPendingAgeSeconds")?.MetricStat).toMatchObject({
      Metric: {
        MetricName: "OldestPendingOrderAgeSeconds",
        Dimensions: [{ Name: "service", Value: "metrics-job" }],
      },
      Stat: "Maximum",
    });
    for (const [id, status] of [
      ["jobOrdersPending", "PENDING"],
      ["jobOrdersConfirmed", "CONFIRMED"],
      ["jobOrdersRejected", "REJECTED"],
      ["jobOrdersCancelled", "CANCELLED"],
    ])
      expect(byId.get(id)?.MetricStat).toEqual({
        Metric: {
          Namespace: "Meridian",
          MetricName: "OrdersByStatus",
          Dimensions: [
            { Name: "service", Value: "metrics-job" },
            { Name: "status", Value: status },
          ],
        },
        Period: 60,
        Stat: "Maximum",
      });
  });

  it("reads the HTTP series from their {service} rollup: 16 plain MetricStat queries, no SEARCH, whatever the routes", async () => {
    await reader().read(metricsWindow(NOW, 60));

    const queries = sent().MetricDataQueries ?? [];
    expect(queries).toHaveLength(16);
    expect(queries.every((q) => q.MetricStat && q.Expression === undefined && q.ReturnData)).toBe(true);
    const byId = new Map(queries.map((q) => [q.Id, q]));
    for (const [id, metric, stat] of [
      ["requests", "Requests", "Sum"],
      ["errors", "Errors", "Sum"],
      ["clientErrors", "ClientErrors", "Sum"],
      ["latencyAvg", "Latency", "Average"],
      ["latencyMax", "Latency", "Maximum"],
    ])
      expect(byId.get(id)).toEqual({
        Id: id,
        Label: expect.any(String),
        MetricStat: {
          Metric: {
            Namespace: "Meridian",
            MetricName: metric,
            Dimensions: [{ Name: "service", Value: "http" }],
          },
          Period: 60,
          Stat: stat,
        },
        ReturnData: true,
      });
  });
});

describe("cloudWatchMetrics: the answer", () => {
  it("maps each result to its series, in the catalogue's order, with ISO minute starts; no data is no points", async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        result("latencyAvg", [
          [at(3), 12.5],
          [at(1), 20],
        ]),
        result("requests", [
          [at(3), 4],
          [at(2), 1],
        ]),
      ],
    });

    const series = await reader().read(metricsWindow(NOW, 60));

    expect(series.map((s) => s.id)).toEqual(METRIC_SERIES.map((s) => s.id));
    expect(series[0]).toEqual({
      id: "requests",
      label: "Requests",
      unit: "Count",
      stat: "Sum",
      points: [
        { t: at(3).toISOString(), v: 4 },
        { t: at(2).toISOString(), v: 1 },
      ],
    });
    expect(series.find((s) => s.id === "latencyAvg")).toMatchObject({
      unit: "Milliseconds",
      stat: "Average",
      points: [
        { t: at(3).toISOString(), v: 12.5 },
        { t: at(1).toISOString(), v: 20 },
      ],
    });
    expect(series.filter((s) => s.points.length === 0)).toHaveLength(METRIC_SERIES.length - 2);
  });

  it("follows NextToken and joins each series' pages", async () => {
    cw.on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [{ ...result("requests", [[at(5), 1]]), StatusCode: "PartialData" }],
        NextToken: "page-2",
      })
      .resolvesOnce({
        MetricDataResults: [result("requests", [[at(4), 2]]), result("errors", [[at(4), 1]])],
      });

    const series = await reader().read(metricsWindow(NOW, 60));

    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(2);
    expect(sent(0).NextToken).toBeUndefined();
    expect(sent(1).NextToken).toBe("page-2");
    expect(sent(1).MetricDataQueries).toEqual(sent(0).MetricDataQueries);
    expect(series[0]?.points).toEqual([
      { t: at(5).toISOString(), v: 1 },
      { t: at(4).toISOString(), v: 2 },
    ]);
    expect(series[1]?.points).toEqual([{ t: at(4).toISOString(), v: 1 }]);
  });

  it("fails when CloudWatch refuses a query (Forbidden, InternalError)", async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        { Id: "requests", StatusCode: "Forbidden", Messages: [{ Code: "x", Value: "denied" }] },
      ],
    });

    await expect(reader().read(metricsWindow(NOW, 60))).rejects.toBeInstanceOf(DependencyUnavailableError);
  });
});

describe("cloudWatchMetrics: the cache", () => {
  it("asks once per window length for 60 s; concurrent reads share the call", async () => {
    const metrics = reader();

    await Promise.all([metrics.read(metricsWindow(NOW, 60)), metrics.read(metricsWindow(NOW, 60))]);
    clock = NOW + 59_000;
    await metrics.read(metricsWindow(clock, 60));
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);

    await metrics.read(metricsWindow(clock, 180));
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(2);

    clock = NOW + 60_000;
    await metrics.read(metricsWindow(clock, 60));
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(3);
  });

  it("answers a kept answer without the points that are now older than the window", async () => {
    cw.on(GetMetricDataCommand).resolves({
      MetricDataResults: [
        result("requests", [
          [at(59), 1],
          [at(0), 2],
        ]),
      ],
    });
    const metrics = reader();
    await metrics.read(metricsWindow(NOW, 60));

    clock = NOW + 50_000; // the next minute: the oldest minute of the kept answer is out of the window
    const later = await metrics.read(metricsWindow(clock, 60));

    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(1);
    expect(later[0]?.points).toEqual([{ t: at(0).toISOString(), v: 2 }]);
  });

  it("keeps no failed call: the next read asks again", async () => {
    cw.on(GetMetricDataCommand)
      .rejectsOnce(Object.assign(new Error("not authorized"), { name: "AccessDenied", $fault: "client" }))
      .resolves({ MetricDataResults: [] });
    const metrics = reader();

    await expect(metrics.read(metricsWindow(NOW, 60))).rejects.toThrow();
    await expect(metrics.read(metricsWindow(NOW, 60))).resolves.toHaveLength(METRIC_SERIES.length);
    expect(cw.commandCalls(GetMetricDataCommand)).toHaveLength(2);
  });
});
