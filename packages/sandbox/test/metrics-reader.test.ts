import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tableNames } from "@meridian/adapters";
import {
  BusinessMetric,
  createLogger,
  type EmfDocument,
  emfDocument,
  HttpMetric,
  JobMetric,
  type LogEntry,
  METRIC_SERIES,
  type MetricSeries,
  MetricsEmitter,
  type MetricsReader,
  metricsWindow,
  SERVICE,
} from "@meridian/core";
import { createMeridianApp } from "@meridian/functions";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { signLocalToken } from "../src/issuer.ts";
import { MetricsCollector } from "../src/metrics-collector.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { startTestSandbox } from "./support.ts";

const MINUTE = 60_000;
const T0 = Date.parse("2026-12-04T12:00:00.000Z");
const at = (minutes: number, seconds = 0) => T0 + minutes * MINUTE + seconds * 1000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The document observeRequests writes for one request (its log entry is this EMF document). */
function request(route: string, latencyMs: number, status: number, timestamp: number, counts: string[] = []) {
  return emfDocument(
    [
      {
        dimensions: { service: SERVICE.http, route },
        metrics: [
          { name: HttpMetric.Requests, value: 1, unit: "Count" },
          { name: HttpMetric.Errors, value: status >= 500 ? 1 : 0, unit: "Count" },
          { name: HttpMetric.ClientErrors, value: status >= 400 && status < 500 ? 1 : 0, unit: "Count" },
          { name: HttpMetric.Latency, value: latencyMs, unit: "Milliseconds" },
        ],
        rollups: [["service"]],
      },
      {
        dimensions: { service: SERVICE.http },
        metrics: counts.map((name) => ({ name, value: 1, unit: "Count" })),
      },
    ],
    { timestamp, properties: { requestId: "r", route, status, latencyMs } },
  );
}

const window = (fromMs: number, toMs: number) => ({
  from: new Date(fromMs),
  to: new Date(toMs),
  periodSeconds: 60 as const,
});
const pointsOf = (series: MetricSeries[], id: string) => series.find((s) => s.id === id)?.points;

describe("the collector's reader: per-minute buckets of the EMF documents", () => {
  it("answers every series of the catalogue, in its order, with its label, unit and statistic", async () => {
    const series = await new MetricsCollector().reader().read(window(at(0), at(60)));

    expect(series.map((s) => s.id)).toEqual([
      "requests",
      "errors",
      "clientErrors",
      "latencyAvg",
      "latencyMax",
      "epochsRecorded",
      "ordersPlaced",
      "ordersConfirmed",
      "ordersRejected",
      "stockOuts",
      "jobEpochsInInterval",
      "jobOldestPendingAgeSeconds",
      "jobOrdersPending",
      "jobOrdersConfirmed",
      "jobOrdersRejected",
      "jobOrdersCancelled",
    ]);
    expect(series.map(({ id, label, unit, stat }) => ({ id, label, unit, stat }))).toEqual(
      METRIC_SERIES.map(({ id, label, unit, stat }) => ({ id, label, unit, stat })),
    );
    expect(series.every((s) => s.points.length === 0)).toBe(true);
  });

  it("reads the HTTP series from the {service} rollup, every route in it: sums, the average over all requests, the maximum; only minutes with data", async () => {
    const collector = new MetricsCollector();
    collector.sink(request("/epoch", 10, 201, at(0, 5), [BusinessMetric.EpochsRecorded]));
    collector.sink(request("/epoch", 20, 503, at(0, 30)));
    collector.sink(request("/health", 60, 200, at(0, 59)));
    collector.sink(request("/orders", 4, 401, at(2, 1), [BusinessMetric.OrdersPlaced]));

    const series = await collector.reader().read(window(at(0), at(5)));

    expect(pointsOf(series, "requests")).toEqual([
      { t: iso(at(0)), v: 3 },
      { t: iso(at(2)), v: 1 },
    ]);
    expect(pointsOf(series, "errors")).toEqual([
      { t: iso(at(0)), v: 1 },
      { t: iso(at(2)), v: 0 },
    ]);
    expect(pointsOf(series, "clientErrors")).toEqual([
      { t: iso(at(0)), v: 0 },
      { t: iso(at(2)), v: 1 },
    ]);
    expect(pointsOf(series, "latencyAvg")).toEqual([
      { t: iso(at(0)), v: 30 },
      { t: iso(at(2)), v: 4 },
    ]);
    expect(pointsOf(series, "latencyMax")).toEqual([
      { t: iso(at(0)), v: 60 },
      { t: iso(at(2)), v: 4 },
    ]);
    expect(pointsOf(series, "epochsRecorded")).toEqual([{ t: iso(at(0)), v: 1 }]);
    expect(pointsOf(series, "ordersPlaced")).toEqual([{ t: iso(at(2)), v: 1 }]);
  });

  it("keeps the route's set and the rollup apart, and reads the rollup only (a document without it adds nothing)", async () => {
    const collector = new MetricsCollector();
    collector.sink(request("/epoch", 10, 201, at(0, 5)));
    collector.sink(request("/health", 30, 200, at(0, 6)));
    // Per route only, as observeRequests wrote it before the rollup: not the app's totals.
    collector.sink(
      emfDocument(
        [
          {
            dimensions: { service: SERVICE.http, route: "/old" },
            metrics: [{ name: HttpMetric.Requests, value: 1, unit: "Count" }],
          },
        ],
        { timestamp: at(0, 7) },
      ),
    );

    const series = await collector.reader().read(window(at(0), at(5)));
    const requests = collector.snapshot().filter((m) => m.name === HttpMetric.Requests);

    expect(pointsOf(series, "requests")).toEqual([{ t: iso(at(0)), v: 2 }]);
    expect(pointsOf(series, "latencyAvg")).toEqual([{ t: iso(at(0)), v: 20 }]);
    expect(requests.map((m) => [m.dimensions, m.sum])).toEqual(
      expect.arrayContaining([
        [{ service: "http", route: "/epoch" }, 1],
        [{ service: "http", route: "/health" }, 1],
        [{ service: "http", route: "/old" }, 1],
        [{ service: "http" }, 2],
      ]),
    );
    expect(requests).toHaveLength(4);
  });

  it("reads only the window's minutes [from, to)", async () => {
    const collector = new MetricsCollector();
    for (const minute of [0, 1, 2, 3]) collector.sink(request("/health", 1, 200, at(minute, 10)));

    const series = await collector.reader().read(window(at(1), at(3)));

    expect(pointsOf(series, "requests")?.map((p) => p.t)).toEqual([iso(at(1)), iso(at(2))]);
  });

  it("takes each service's business counts and the metrics job's figures under their own dimensions", async () => {
    const collector = new MetricsCollector();
    const stream = new MetricsEmitter(collector.sink);
    stream.emit(
      { service: SERVICE.orderStream },
      [
        { name: BusinessMetric.OrdersConfirmed, value: 2, unit: "Count" },
        { name: BusinessMetric.OrdersRejected, value: 1, unit: "Count" },
        { name: BusinessMetric.StockOuts, value: 1, unit: "Count" },
      ],
      { timestamp: at(1, 3) },
    );
    // Not the app's: another service's requests and confirmations are not the series'.
    collector.sink(
      emfDocument(
        [
          {
            dimensions: { service: "other", route: "/x" },
            metrics: [{ name: HttpMetric.Requests, value: 1, unit: "Count" }],
          },
        ],
        {
          timestamp: at(1),
        },
      ),
    );
    stream.emit(
      { service: SERVICE.http },
      [{ name: BusinessMetric.OrdersConfirmed, value: 7, unit: "Count" }],
      {
        timestamp: at(1),
      },
    );
    // The job's figures, as runMetricsJob publishes them (two runs in one minute: its maximum).
    const job = { service: SERVICE.metricsJob };
    for (const [timestamp, pending] of [
      [at(1, 0), 3],
      [at(1, 30), 5],
    ] as const) {
      stream.emit(
        job,
        [
          { name: JobMetric.EpochsInInterval, value: 40, unit: "Count" },
          { name: JobMetric.OldestPendingOrderAgeSeconds, value: 12, unit: "Seconds" },
        ],
        { timestamp },
      );
      for (const [status, count] of Object.entries({
        PENDING: pending,
        CONFIRMED: 9,
        REJECTED: 2,
        CANCELLED: 1,
      }))
        stream.emit({ ...job, status }, [{ name: JobMetric.OrdersByStatus, value: count, unit: "Count" }], {
          timestamp,
        });
      stream.emit(
        { ...job, table: "orders" },
        [{ name: JobMetric.TableItemCount, value: 99, unit: "Count" }],
        {
          timestamp,
        },
      );
    }

    const series = await collector.reader().read(window(at(0), at(5)));
    const one = (id: string) => pointsOf(series, id);

    expect(one("requests")).toEqual([]);
    expect(one("ordersConfirmed")).toEqual([{ t: iso(at(1)), v: 2 }]);
    expect(one("ordersRejected")).toEqual([{ t: iso(at(1)), v: 1 }]);
    expect(one("stockOuts")).toEqual([{ t: iso(at(1)), v: 1 }]);
    expect(one("jobEpochsInInterval")).toEqual([{ t: iso(at(1)), v: 40 }]);
    expect(one("jobOldestPendingAgeSeconds")).toEqual([{ t: iso(at(1)), v: 12 }]);
    expect(one("jobOrdersPending")).toEqual([{ t: iso(at(1)), v: 5 }]);
    expect(one("jobOrdersConfirmed")).toEqual([{ t: iso(at(1)), v: 9 }]);
    expect(one("jobOrdersRejected")).toEqual([{ t: iso(at(1)), v: 2 }]);
    expect(one("jobOrdersCancelled")).toEqual([{ t: iso(at(1)), v: 1 }]);
  });

  it("puts a late document (a job's point stamped at its interval's end) in its own minute, oldest first", async () => {
    const collector = new MetricsCollector();
    collector.sink(request("/health", 1, 200, at(5)));
    collector.sink(request("/health", 1, 200, at(2)));
    collector.sink(request("/health", 1, 200, at(2, 30)));
    collector.sink(request("/health", 1, 200, at(4)));

    const series = await collector.reader().read(window(at(0), at(10)));

    expect(pointsOf(series, "requests")).toEqual([
      { t: iso(at(2)), v: 2 },
      { t: iso(at(4)), v: 1 },
      { t: iso(at(5)), v: 1 },
    ]);
  });

  it("keeps 180 minutes of buckets per metric and drops older ones", async () => {
    const collector = new MetricsCollector();
    for (let minute = 0; minute < 400; minute++) collector.sink(request("/health", 1, 200, at(minute)));
    // Older than the newest bucket's 180 minutes: not kept.
    collector.sink(request("/health", 1, 200, at(100)));

    const all = pointsOf(await collector.reader().read(window(at(0), at(400))), "requests") ?? [];

    expect(all).toHaveLength(180);
    expect(all[0]).toEqual({ t: iso(at(220)), v: 1 });
    expect(all.at(-1)).toEqual({ t: iso(at(399)), v: 1 });
    // The running aggregates of /_sandbox/metrics still count everything.
    expect(collector.snapshot().find((m) => m.name === HttpMetric.Requests)?.sum).toBe(401);
  });

  it("drops a minute once a newer one is 180 minutes on", async () => {
    const collector = new MetricsCollector();
    collector.sink(request("/health", 1, 200, at(0)));
    collector.sink(request("/health", 1, 200, at(179)));
    const kept = pointsOf(await collector.reader().read(window(at(0), at(200))), "requests");
    collector.sink(request("/health", 1, 200, at(180)));
    const expired = pointsOf(await collector.reader().read(window(at(0), at(200))), "requests");

    expect(kept?.map((p) => p.t)).toEqual([iso(at(0)), iso(at(179))]);
    expect(expired?.map((p) => p.t)).toEqual([iso(at(179)), iso(at(180))]);
  });
});

// GET /metrics as the sandbox serves it: the app as every host wires it, its request lines collected by a real
// collector whose reader the route reads, sign-in on a real key-set server on loopback.
describe("GET /metrics on the collector's reader", () => {
  const audience = "metrics-test-client";
  let jwks: Server;
  let issuer = "";
  let privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

  beforeAll(async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
    issuer = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/issuer`;
  });

  afterAll(async () => {
    jwks.closeAllConnections();
    await new Promise((resolve) => jwks.close(resolve));
  });

  function app(metrics?: MetricsReader) {
    const collector = new MetricsCollector();
    const sink = (entry: LogEntry) => {
      if (entry._aws) collector.sink(entry as unknown as EmfDocument);
    };
    const built = createMeridianApp(
      {
        tables: tableNames("metrics-route"),
        jwt: { issuer, audience, adminGroup: "admin" },
        appSecret: "s".repeat(40),
        dynamodbEndpoint: inject("dynamodbEndpoint"),
        apiKeyCacheTtlMs: 0,
      },
      {
        clientIp: () => "192.0.2.10",
        logger: createLogger({ service: "http", sink }),
        metrics: metrics ?? collector.reader(),
      },
    );
    return built;
  }

  const token = () => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      iss: issuer,
      sub: "customer-1",
      token_use: "access",
      client_id: audience,
      iat: now,
      exp: now + 600,
    })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .sign(privateKey);
  };
  const signedIn = async () => ({ authorization: `Bearer ${await token()}` });

  it("answers the last hour of every series, per minute, with the requests the app served", async () => {
    const served = app();
    await served.request("/health");
    await served.request("/health");
    await served.request("/nope");

    const res = await served.request("/metrics", { headers: await signedIn() });
    const body = (await res.json()) as {
      periodSeconds: number;
      from: string;
      to: string;
      series: MetricSeries[];
    };

    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, max-age=30");
    expect(body.periodSeconds).toBe(60);
    const expected = metricsWindow(Date.now(), 60);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(60 * MINUTE);
    expect(Math.abs(Date.parse(body.to) - expected.to.getTime())).toBeLessThanOrEqual(MINUTE);
    expect(Date.parse(body.from) % MINUTE).toBe(0);
    expect(body.series.map((s) => s.id)).toEqual(METRIC_SERIES.map((s) => s.id));
    const requests = body.series.find((s) => s.id === "requests")?.points ?? [];
    expect(requests.reduce((sum, p) => sum + p.v, 0)).toBe(3);
    expect(body.series.find((s) => s.id === "clientErrors")?.points.reduce((sum, p) => sum + p.v, 0)).toBe(1);
    expect(requests.every((p) => Date.parse(p.t) % MINUTE === 0 && p.t >= body.from && p.t < body.to)).toBe(
      true,
    );
  });

  it("reads `minutes` minutes back", async () => {
    const res = await app().request("/metrics?minutes=5", { headers: await signedIn() });
    const body = (await res.json()) as { from: string; to: string };

    expect(res.status).toBe(200);
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(5 * MINUTE);
  });

  it.each(["0", "4", "181", "999", "abc", "5.5", ""])("answers minutes=%s with 400", async (minutes) => {
    const res = await app().request(`/metrics?minutes=${minutes}`, { headers: await signedIn() });
    const body = (await res.json()) as { error: { code: string; message: string } };

    expect(res.status).toBe(400);
    expect(body.error.code).toBe("VALIDATION_FAILED");
    expect(body.error.message.startsWith("minutes:")).toBe(true);
  });

  it("answers 401 without a token, and never lets a browser keep it", async () => {
    const res = await app().request("/metrics");

    expect(res.status).toBe(401);
    expect(res.headers.get("cache-control")).not.toBe("private, max-age=30");
  });

  it("answers 503 with Retry-After when the reader fails, without its message", async () => {
    const failing = app({ read: () => Promise.reject(new Error("ThrottlingException: secret detail")) });

    const res = await failing.request("/metrics", { headers: await signedIn() });
    const body = (await res.json()) as { error: { code: string; message: string } };

    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.error.message).not.toContain("secret detail");
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("is in the OpenAPI document, for signed-in users, with its query and answer", async () => {
    const res = await app().request("/openapi.json");
    const document = (await res.json()) as {
      paths: Record<
        string,
        { get?: { security?: unknown; parameters?: { name: string }[]; responses: Record<string, unknown> } }
      >;
    };
    const operation = document.paths["/metrics"]?.get;

    expect(operation?.security).toEqual([{ Bearer: [] }]);
    expect(operation?.parameters?.map((p) => p.name)).toEqual(["minutes"]);
    expect(Object.keys(operation?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "400", "401", "503"]),
    );
  });
});

// The running sandbox: its GET /metrics reads the collector that its own functions' lines fill.
describe("GET /metrics on a running sandbox", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(() => sandbox.stop());

  it("shows an epoch recorded a moment ago, and the request that recorded it", async () => {
    const bearer = await signLocalToken(sandbox.issuerKey, {
      issuer: sandbox.config.jwt.issuer,
      role: "customer",
      sub: "metrics-viewer",
    });
    const recorded = await fetch(`${sandbox.url}/epoch`, {
      method: "POST",
      headers: { "x-api-key": sandbox.devApiKey },
    });
    expect(recorded.status).toBe(201);

    const res = await fetch(`${sandbox.url}/metrics?minutes=5`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    const body = (await res.json()) as { series: MetricSeries[] };
    const total = (id: string) => pointsOf(body.series, id)?.reduce((sum, p) => sum + p.v, 0);

    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, max-age=30");
    expect(total("epochsRecorded")).toBe(1);
    expect(total("requests")).toBeGreaterThanOrEqual(1);
  });
});
