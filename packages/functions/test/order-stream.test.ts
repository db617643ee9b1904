import { randomUUID } from "node:crypto";
import {
  createDocumentClient,
  DynamoCatalogStore,
  DynamoOrderStore,
  ensureTables,
  tableNames,
} from "@meridian/adapters";
import { itemStreamRecord, orderInsert, streamEvent } from "@meridian/adapters/testing";
import { createLogger, type EmfDocument, type LogEntry, MetricsEmitter, type Order } from "@meridian/core";
import type { Context, DynamoDBStreamEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ORDER_CONCURRENCY, reserveStockForBatch } from "../src/order-stream/reserve-batch.ts";
import { createOrderStreamHandler } from "../src/wiring.ts";
import { awsSampleStreamEvent } from "./fixtures/dynamodb-stream-sample.ts";

const names = tableNames(`fn-stream-${process.pid}-${Date.now().toString(36)}`);
const db = createDocumentClient({ endpoint: inject("dynamodbEndpoint") });
const catalog = new DynamoCatalogStore(db, names.catalog);
const orders = new DynamoOrderStore(db, names.orders, names.catalog);

beforeAll(() => ensureTables(db, names));
afterAll(() => db.destroy());

/** The stream processor as Lambda wires it, against `endpoint`, with its log entries and metrics kept. */
function processor(endpoint = inject("dynamodbEndpoint")) {
  const log: LogEntry[] = [];
  const documents: EmfDocument[] = [];
  const handler = createOrderStreamHandler(
    { tables: names, dynamodbEndpoint: endpoint },
    {
      logger: createLogger({ service: "order-stream", sink: (entry) => void log.push(entry) }),
      metrics: new MetricsEmitter((document) => void documents.push(document)),
    },
  );
  const run = (event: DynamoDBStreamEvent) => handler(event, {} as Context, () => {}) as Promise<unknown>;
  return { run, log, documents };
}

/** A product with `stock` and a PENDING order for one of it, both stored. */
async function pendingOrder(stock = 3): Promise<Order> {
  const now = new Date().toISOString();
  const productId = randomUUID();
  await catalog.create({
    id: productId,
    name: "Stream test product",
    description: "",
    price: 500,
    currency: "EUR",
    stock,
    images: [],
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
  const order: Order = {
    id: randomUUID(),
    customerId: "stream-tester",
    lines: [{ productId, quantity: 1, unitPrice: 500 }],
    total: 500,
    currency: "EUR",
    status: "PENDING",
    createdAt: now,
    updatedAt: now,
  };
  await orders.create(order);
  return order;
}

const skippedCount = (documents: EmfDocument[]) =>
  documents.reduce((sum, d) => sum + Number((d as Record<string, unknown>).StreamRecordsSkipped ?? 0), 0);

describe("Foreign stream records are skipped; a batch with a record lacking a sequence number is not failed whole", () => {
  it("skips AWS's sample stream event: no failure, one WARN line for its INSERT, StreamRecordsSkipped 1", async () => {
    // Prepare
    const { run, log, documents } = processor();

    // Act
    const result = await run(awsSampleStreamEvent());

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const warnings = log.filter((entry) => entry.level === "WARN");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      message: "stream record skipped",
      sequenceNumber: "111",
      eventID: "1",
      reason: expect.stringContaining("not an order item"),
    });
    // The item's contents never reach the log.
    expect(JSON.stringify(log)).not.toContain("New item!");
    expect(log.filter((entry) => entry.level === "ERROR")).toEqual([]);
    expect(skippedCount(documents)).toBe(1);
  });

  it("confirms a real order in the same batch as a record without a sequence number, failing nothing", async () => {
    // Prepare: the record without a sequence number has no image either, which used to throw and be
    // reported with an empty itemIdentifier (Lambda then fails and retries the whole batch).
    const order = await pendingOrder(3);
    const noSequence = itemStreamRecord(
      { pk: `ORDER#${randomUUID()}` },
      { eventID: "no-sequence", newImage: false },
    );
    const { run, log, documents } = processor();

    // Act
    const result = await run(streamEvent(noSequence, orderInsert(order, { sequenceNumber: "4100" })));

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    expect(await orders.get(order.id)).toMatchObject({ status: "CONFIRMED" });
    expect((await catalog.get(order.lines[0]?.productId ?? ""))?.stock).toBe(2);
    expect(log.filter((entry) => entry.level === "WARN")).toEqual([
      expect.objectContaining({ eventID: "no-sequence", reason: "no SequenceNumber" }),
    ]);
    expect(log.find((entry) => entry.level === "WARN")?.sequenceNumber).toBeUndefined();
    expect(skippedCount(documents)).toBe(1);
  });

  it("fails an order's record that has no new image (a KEYS_ONLY stream), so it is not left PENDING quietly", async () => {
    const order = await pendingOrder(3);
    const keysOnly = itemStreamRecord(
      { pk: `ORDER#${order.id}` },
      { sequenceNumber: "4500", newImage: false },
    );
    const foreignKeysOnly = itemStreamRecord({ pk: "IDEM#x" }, { sequenceNumber: "4600", newImage: false });
    const { run } = processor();

    const result = await run(streamEvent(keysOnly, foreignKeysOnly));

    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: "4500" }] });
  });

  it("still reports its own orders that fail (DynamoDB unreachable) by sequence number, and nothing else", async () => {
    // Prepare: a real order, a broken order item (ours, so it must reach the dead-letter queue), AWS's
    // sample records and a record without a sequence number, against a DynamoDB that refuses connections.
    const order = await pendingOrder(3);
    const brokenId = randomUUID();
    const broken = { pk: `ORDER#${brokenId}`, id: brokenId, status: "PENDING", lines: "garbage" };
    const noSequence = orderInsert({ ...order, id: randomUUID() });
    const event: DynamoDBStreamEvent = {
      Records: [
        ...awsSampleStreamEvent().Records,
        noSequence,
        orderInsert(order, { sequenceNumber: "5100" }),
        itemStreamRecord(broken, { sequenceNumber: "5200" }),
      ],
    };
    const { run, log } = processor("http://127.0.0.1:9");

    // Act
    const result = (await run(event)) as { batchItemFailures: { itemIdentifier: string }[] };

    // Assess
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(["5100", "5200"]);
    const failed = log.filter((entry) => entry.level === "ERROR").map((entry) => entry.sequenceNumber);
    expect(failed.sort()).toEqual(["5100", "5200"]);
    const skipped = log.filter((entry) => entry.level === "WARN").map((entry) => String(entry.reason));
    expect(skipped.sort()).toEqual(["no SequenceNumber", expect.stringContaining("not an order item")]);
    expect(await orders.get(order.id)).toMatchObject({ status: "PENDING" });
  });
});

describe("the batch budget", () => {
  it("hands back the records not started once the budget is spent, by sequence number, untouched", async () => {
    // Prepare: more orders than the batch works on at once; the clock passes the budget when the first
    // reservation completes, so the workers' next records find it spent.
    const placed = await Promise.all(Array.from({ length: ORDER_CONCURRENCY + 2 }, () => pendingOrder(3)));
    let now = 1_000_000;
    const log: LogEntry[] = [];
    const timedOrders = Object.assign(Object.create(orders) as DynamoOrderStore, {
      reserve: async (...args: Parameters<DynamoOrderStore["reserve"]>) => {
        const outcome = await orders.reserve(...args);
        now += 60_000;
        return outcome;
      },
    });
    const deps = {
      orders: timedOrders,
      clock: { nowMs: () => now },
      logger: createLogger({ service: "order-stream", sink: (entry) => void log.push(entry) }),
      metrics: new MetricsEmitter(() => {}),
      batchBudgetMs: 15_000,
    };
    const records = placed.map((order, i) => orderInsert(order, { sequenceNumber: `${6100 + i}` }));

    // Act
    const result = await reserveStockForBatch(deps, { Records: records });

    // Assess
    const late = [`${6100 + ORDER_CONCURRENCY}`, `${6101 + ORDER_CONCURRENCY}`];
    expect(result.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(late);
    const statuses = await Promise.all(placed.map(async (order) => (await orders.get(order.id))?.status));
    expect(statuses).toEqual([...Array(ORDER_CONCURRENCY).fill("CONFIRMED"), "PENDING", "PENDING"]);
    expect(log.find((entry) => entry.level === "WARN")).toMatchObject({
      message: "batch budget spent: records handed back for retry",
      handedBack: 2,
    });
  });
});
