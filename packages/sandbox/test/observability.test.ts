import { randomUUID } from "node:crypto";
import {
  createDocumentClient,
  DynamoEpochStore,
  DynamoMetricsSource,
  DynamoOrderStore,
  ensureTables,
  tableNames,
} from "@meridian/adapters";
import {
  createLogger,
  type EmfDocument,
  type LogEntry,
  MetricsEmitter,
  type Order,
  uuidV7Generator,
} from "@meridian/core";
import { runMetricsJob } from "@meridian/functions";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../src/dynamodb/index.ts";
import { signLocalToken } from "../src/issuer.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { appAgainst, memoryLog, startTestSandbox } from "./support.ts";

const UNITS = new Set([
  "Seconds",
  "Microseconds",
  "Milliseconds",
  "Bytes",
  "Kilobytes",
  "Megabytes",
  "Gigabytes",
  "Terabytes",
  "Bits",
  "Kilobits",
  "Megabits",
  "Gigabits",
  "Terabits",
  "Percent",
  "Count",
  "Bytes/Second",
  "Kilobytes/Second",
  "Megabytes/Second",
  "Gigabytes/Second",
  "Terabytes/Second",
  "Bits/Second",
  "Kilobits/Second",
  "Megabits/Second",
  "Gigabits/Second",
  "Terabits/Second",
  "Count/Second",
  "None",
]);

/** The structural rules of the CloudWatch Embedded Metric Format specification. */
function emfProblems(doc: EmfDocument): string[] {
  const problems: string[] = [];
  const aws = doc._aws;
  if (!Number.isInteger(aws?.Timestamp) || aws.Timestamp < 0)
    problems.push("_aws.Timestamp must be epoch milliseconds");
  if (!Array.isArray(aws?.CloudWatchMetrics) || aws.CloudWatchMetrics.length === 0)
    problems.push("no CloudWatchMetrics");
  for (const directive of aws?.CloudWatchMetrics ?? []) {
    if (typeof directive.Namespace !== "string" || !/^[\w.\-/#:]{1,255}$/.test(directive.Namespace))
      problems.push("bad Namespace");
    if (directive.Metrics.length === 0 || directive.Metrics.length > 100)
      problems.push("1..100 metrics per directive");
    for (const set of directive.Dimensions) {
      if (set.length > 30) problems.push("more than 30 dimensions");
      for (const key of set)
        if (typeof doc[key] !== "string") problems.push(`dimension ${key} is not a string member`);
    }
    for (const metric of directive.Metrics) {
      if (typeof metric.Name !== "string" || metric.Name.length === 0 || metric.Name.length > 1024)
        problems.push("bad metric Name");
      if (!UNITS.has(metric.Unit)) problems.push(`unit ${metric.Unit} is not a CloudWatch unit`);
      const value = doc[metric.Name];
      if (typeof value !== "number" && !(Array.isArray(value) && value.every((v) => typeof v === "number"))) {
        problems.push(`metric ${metric.Name} has no numeric member`);
      }
    }
  }
  return problems;
}

describe("logs and metrics of the HTTP API", () => {
  let sandbox: Sandbox;
  const log = memoryLog();
  beforeAll(async () => {
    sandbox = await startTestSandbox({ logSink: log });
  });
  afterAll(() => sandbox.stop());

  it("writes one JSON entry per request with the required fields and never a credential", async () => {
    const password = `pw-${randomUUID()}`;
    const bearer = await signLocalToken(sandbox.issuerKey, {
      issuer: sandbox.config.jwt.issuer,
      role: "customer",
      sub: "c1",
    });
    const secrets = [sandbox.devApiKey, bearer, password];

    await fetch(`${sandbox.url}/epoch`, {
      method: "POST",
      headers: {
        "x-api-key": sandbox.devApiKey,
        authorization: `Bearer ${bearer}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ password }),
    });
    await fetch(`${sandbox.url}/orders`, {
      method: "POST",
      headers: {
        "x-api-key": sandbox.devApiKey,
        authorization: `Bearer ${bearer}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ lines: [], password }),
    });
    await fetch(`${sandbox.url}/epochs?cursor=${encodeURIComponent(bearer)}`, {
      headers: { "x-api-key": sandbox.devApiKey },
    });

    const requests = log.entries.filter((entry) => entry.message === "request");
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const entry of requests) {
      const line = JSON.parse(JSON.stringify(entry)) as LogEntry;
      expect(line).toMatchObject({ level: "INFO", service: "http", function: "local" });
      for (const field of [
        "timestamp",
        "coldStart",
        "requestId",
        "route",
        "status",
        "latencyMs",
        "method",
        "path",
      ]) {
        expect(line).toHaveProperty(field);
      }
      expect(line.route).not.toMatch(/[0-9a-f]{8}-/);
    }
    const everything = JSON.stringify(log.entries);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it("serves the latest metric values at /_sandbox/metrics", async () => {
    await fetch(`${sandbox.url}/epoch`, { method: "POST", headers: { "x-api-key": sandbox.devApiKey } });

    const { metrics } = (await (await fetch(`${sandbox.url}/_sandbox/metrics`)).json()) as {
      metrics: { name: string; dimensions: Record<string, string>; sum: number; last: number }[];
    };

    const requests = metrics.find((m) => m.name === "Requests" && m.dimensions.route === "/epoch");
    expect(requests?.sum).toBeGreaterThanOrEqual(2);
    // The {service} rollup of every route's requests, beside each route's own.
    const rollup = metrics.find(
      (m) =>
        m.name === "Requests" &&
        Object.keys(m.dimensions).join() === "service" &&
        m.dimensions.service === "http",
    );
    expect(rollup?.sum).toBeGreaterThanOrEqual(requests?.sum ?? Number.POSITIVE_INFINITY);
    expect(metrics.find((m) => m.name === "EpochsRecorded")?.sum).toBeGreaterThanOrEqual(1);
    expect(
      metrics.find((m) => m.name === "Latency" && m.dimensions.route === "/epoch")?.last,
    ).toBeGreaterThan(0);
    for (const m of metrics)
      expect(
        Object.keys(m.dimensions).every((d) => ["service", "route", "status", "table"].includes(d)),
      ).toBe(true);
  });
});

describe("a failing request's logs", () => {
  it("carry the error under the request id and no credential from the request", async () => {
    const { app, log } = appAgainst(`http://127.0.0.1:${await freePort()}`);
    const entries = log.entries;
    // Well formed (`mrd_` and 43 base64url characters), so the key is looked up and the dead engine answers.
    const apiKey = "mrd_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFA";

    const res = await app.request("/epoch", {
      method: "POST",
      headers: {
        "x-api-key": apiKey,
        authorization: "Bearer eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl",
        "content-type": "application/json",
      },
      body: JSON.stringify({ password: "hunter2" }),
    });

    expect(res.status).toBe(503);
    const failure = entries.find((e) => e.message === "request failed");
    expect(failure).toMatchObject({ level: "ERROR", requestId: res.headers.get("x-request-id") });
    const everything = JSON.stringify(entries);
    for (const secret of [apiKey, "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl", "hunter2"])
      expect(everything).not.toContain(secret);
    // The request's access log entry is also its metrics document.
    const request = entries.find((e) => e.message === "request") as unknown as EmfDocument;
    expect(request).toMatchObject({ route: "/epoch", status: 503, Errors: 1, Requests: 1, service: "http" });
    expect(emfProblems(request)).toEqual([]);
  });

  it("writes each request's metrics when the app logs only errors", async () => {
    const { app, log } = appAgainst(`http://127.0.0.1:${await freePort()}`, { level: "ERROR" });
    const entries = log.entries;

    const res = await app.request("/health", { headers: { "x-request-id": "mrd_0123456789abcdefghij" } });

    expect(res.status).toBe(200);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ message: "request", route: "/health", Requests: 1, Errors: 0 });
    // A credential sent as a request id is echoed to its sender but never logged.
    expect(JSON.stringify(entries)).not.toContain("mrd_0123456789abcdefghij");
  });
});

describe("EMF documents", () => {
  it("follow the specification for every metric the order processor emits", async () => {
    const documents: EmfDocument[] = [];
    const sandbox = await startTestSandbox({ metricsSink: (doc) => documents.push(doc) });
    try {
      const admin = await signLocalToken(sandbox.issuerKey, {
        issuer: sandbox.config.jwt.issuer,
        role: "admin",
        sub: "a",
      });
      const headers = { authorization: `Bearer ${admin}`, "content-type": "application/json" };
      const product = (await (
        await fetch(`${sandbox.url}/products`, {
          method: "POST",
          headers,
          body: JSON.stringify({ name: "x", price: 1, currency: "EUR", stock: 1 }),
        })
      ).json()) as { id: string };
      for (let i = 0; i < 2; i++) {
        await fetch(`${sandbox.url}/orders`, {
          method: "POST",
          headers,
          body: JSON.stringify({ lines: [{ productId: product.id, quantity: 1 }] }),
        });
      }
      await sandbox.orderStream?.drain();
    } finally {
      await sandbox.stop();
    }

    expect(documents.length).toBeGreaterThan(3);
    for (const doc of documents) expect(emfProblems(doc)).toEqual([]);
    const sum = (name: string) =>
      documents.reduce((s, d) => s + (typeof d[name] === "number" ? (d[name] as number) : 0), 0);
    expect(sum("OrdersPlaced")).toBe(2);
    expect(sum("OrdersConfirmed")).toBe(1);
    expect(sum("OrdersRejected")).toBe(1);
    expect(sum("StockOuts")).toBe(1);
    expect(documents.every((d) => d._aws.CloudWatchMetrics[0]?.Namespace === "Meridian")).toBe(true);
  });
});

describe("the scheduled metrics job", () => {
  const endpoint = () => inject("dynamodbEndpoint");
  const period = 5 * 60_000;
  const intervalEnd = Date.parse("2026-11-22T12:10:00.000Z");
  const now = intervalEnd + 42_000; // the job runs 42 s after the interval closed
  const names = tableNames(`mj${randomUUID().slice(0, 8)}`);

  beforeAll(async () => {
    const db = createDocumentClient({ endpoint: endpoint() });
    await ensureTables(db, names);
    const epochs = new DynamoEpochStore(db, names.epochs);
    const at = (ms: number) => ({ id: uuidV7Generator.timeOrdered(ms), epoch: ms / 1000, ip: "192.0.2.1" });
    const inside = Array.from({ length: 37 }, (_, i) => at(intervalEnd - period + i * 8_000));
    const outside = [
      at(intervalEnd - period - 1),
      at(intervalEnd),
      at(intervalEnd + 1_000),
      at(intervalEnd - 2 * period),
    ];
    await Promise.all([...inside, ...outside].map((e) => epochs.put(e)));

    const orders = new DynamoOrderStore(db, names.orders, names.catalog);
    const order = (minutesAgo: number, status: Order["status"]): Order => {
      const created = now - minutesAgo * 60_000;
      return {
        id: uuidV7Generator.timeOrdered(created),
        customerId: "c",
        lines: [{ productId: randomUUID(), quantity: 1, unitPrice: 1 }],
        total: 1,
        currency: "EUR",
        status,
        createdAt: new Date(created).toISOString(),
        updatedAt: new Date(created).toISOString(),
      };
    };
    for (const o of [
      order(17, "PENDING"),
      order(3, "PENDING"),
      order(1, "PENDING"),
      order(30, "CONFIRMED"),
      order(20, "REJECTED"),
    ]) {
      await orders.create(o);
    }
    db.destroy();
  });

  it("publishes the interval's figures from the database, once per interval", async () => {
    const db = createDocumentClient({ endpoint: endpoint() });
    const documents: EmfDocument[] = [];
    const deps = {
      source: new DynamoMetricsSource(db, names),
      clock: { nowMs: () => now },
      logger: createLogger({ service: "metrics-job", sink: () => {} }),
      metrics: new MetricsEmitter((doc) => documents.push(doc)),
      intervalMs: period,
    };

    const first = await runMetricsJob(deps);
    const published = documents.length;
    const second = await runMetricsJob(deps);
    db.destroy();

    expect(first).toMatchObject({
      skipped: false,
      interval: { start: "2026-11-22T12:05:00.000Z", end: "2026-11-22T12:10:00.000Z" },
      epochsInInterval: 37,
      ordersByStatus: { PENDING: 3, CONFIRMED: 1, REJECTED: 1, CANCELLED: 0 },
      oldestPendingOrderAgeSeconds: 17 * 60,
    });
    expect(second).toMatchObject({ skipped: true });
    expect(documents).toHaveLength(published);
    const job = documents.find((d) => d.EpochsInInterval !== undefined);
    expect(job).toMatchObject({
      EpochsInInterval: 37,
      OldestPendingOrderAgeSeconds: 1020,
      service: "metrics-job",
    });
    expect(job?._aws.Timestamp).toBe(intervalEnd);
    expect(documents.find((d) => d.status === "PENDING")).toMatchObject({ OrdersByStatus: 3 });
    expect(documents.filter((d) => d.table !== undefined)).toHaveLength(4);
    for (const doc of documents) expect(emfProblems(doc)).toEqual([]);
  });
});
