import { copyFileSync, existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { AttributeValue as SdkAttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { DynamoDBStreamHandler } from "aws-lambda";
import { afterEach, describe, expect, it } from "vitest";
import {
  listDlq,
  readCheckpoint,
  redriveDlq,
  type StreamRunner,
  type StreamRunnerOptions,
  startStreamRunner,
} from "../../src/streams/index.ts";
import {
  createStreamTable,
  endpoint,
  hasKey,
  pkOf,
  recorder,
  type StreamTable,
  sleep,
  tempDir,
} from "./support.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function table(): Promise<StreamTable> {
  const t = await createStreamTable();
  cleanups.push(() => t.drop());
  return t;
}

function stateDir(): string {
  const { dir, remove } = tempDir();
  cleanups.push(remove);
  return dir;
}

async function start(
  t: StreamTable,
  handler: DynamoDBStreamHandler,
  options: Partial<StreamRunnerOptions> = {},
): Promise<StreamRunner> {
  const runner = await startStreamRunner(
    { endpoint: endpoint(), tableName: t.name, name: "test-stream", pollIntervalMs: 20, ...options },
    handler,
  );
  cleanups.push(() => runner.stop());
  return runner;
}

describe("stream runner against DynamoDB Local", () => {
  it("invokes the handler with real-shaped DynamoDBStreamEvent records", async () => {
    // Prepare
    const t = await table();
    const item = {
      pk: "order-1",
      sk: "A",
      status: "PENDING",
      total: 1250,
      ratio: 0.5,
      paid: false,
      note: null,
      tags: new Set(["a", "b"]),
      lines: [{ sku: "p-1", qty: 2 }],
      // DynamoDB Local's streams give an empty map as `{}`, not `{"M":{}}`.
      units: {},
      placed: [],
    };
    await t.put({ ...item, blob: new Uint8Array([1, 2, 3]) });
    await t.update("order-1", { status: "CONFIRMED" });
    await t.remove("order-1");
    const fn = recorder();

    // Act
    const runner = await start(t, fn.handler);
    await runner.drain();

    // Assess
    const records = fn.batches.flat();
    expect(records.map((r) => r.eventName)).toEqual(["INSERT", "MODIFY", "REMOVE"]);
    const [insert, modify, remove] = records;
    const nowSeconds = Date.now() / 1000;
    for (const record of records) {
      expect(Object.keys(record)).toEqual([
        "eventID",
        "eventName",
        "eventVersion",
        "eventSource",
        "awsRegion",
        "dynamodb",
        "eventSourceARN",
      ]);
      expect(record.eventID).toMatch(/\S+/);
      expect(record.eventVersion).toBe("1.1");
      expect(record.eventSource).toBe("aws:dynamodb");
      expect(record.awsRegion).toEqual(expect.any(String));
      expect(record.eventSourceARN).toBe(runner.streamArn);
      expect(record.eventSourceARN).toMatch(new RegExp(`:table/${t.name}/stream/`));
      expect(record.dynamodb?.Keys).toEqual({ pk: { S: "order-1" }, sk: { S: "A" } });
      expect(record.dynamodb?.ApproximateCreationDateTime).toBeGreaterThan(nowSeconds - 120);
      expect(record.dynamodb?.ApproximateCreationDateTime).toBeLessThanOrEqual(nowSeconds);
      expect(record.dynamodb?.SequenceNumber).toMatch(/^\d+$/);
      expect(record.dynamodb?.SizeBytes).toBeGreaterThan(0);
      expect(record.dynamodb?.StreamViewType).toBe("NEW_AND_OLD_IMAGES");
      // DynamoDB Local rounds ApproximateCreationDateTime down to the minute (DynamoDB: to the second).
      // Plain JSON, as Lambda delivers it (no Dates, no Uint8Arrays).
      expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    }
    const newImage = insert?.dynamodb?.NewImage ?? {};
    expect(newImage.blob).toEqual({ B: "AQID" });
    const { blob: _blob, ...rest } = newImage;
    expect(unmarshall(rest as Record<string, SdkAttributeValue>)).toEqual(item);
    expect(newImage.total).toEqual({ N: "1250" });
    expect(newImage.units).toEqual({ M: {} });
    expect(insert?.dynamodb?.OldImage).toBeUndefined();
    expect(modify?.dynamodb?.OldImage?.status).toEqual({ S: "PENDING" });
    expect(modify?.dynamodb?.NewImage?.status).toEqual({ S: "CONFIRMED" });
    expect(remove?.dynamodb?.NewImage).toBeUndefined();
    expect(remove?.dynamodb?.OldImage?.status).toEqual({ S: "CONFIRMED" });
    const sequence = records.map((r) => BigInt(r.dynamodb?.SequenceNumber ?? "0"));
    expect([...sequence].sort((a, b) => (a < b ? -1 : 1))).toEqual(sequence);
  });

  it("respects the batch size and keeps stream order", async () => {
    const t = await table();
    await t.putMany(["r0", "r1", "r2", "r3", "r4", "r5", "r6"]);
    const fn = recorder();

    const runner = await start(t, fn.handler, { batchSize: 3 });
    await runner.drain();

    expect(fn.keys()).toEqual([["r0", "r1", "r2"], ["r3", "r4", "r5"], ["r6"]]);
  });

  it("gathers records for the batching window before invoking", async () => {
    const t = await table();
    const fn = recorder();
    const runner = await start(t, fn.handler, { maximumBatchingWindowSeconds: 1 });

    const firstWrite = Date.now();
    for (const pk of ["w0", "w1", "w2"]) {
      await t.put({ pk });
      await sleep(150);
    }
    await runner.drain();

    expect(fn.keys()).toEqual([["w0", "w1", "w2"]]);
    // Invoked once the window (1 s from the first record read) closed, not when the first record came.
    expect((fn.times[0] ?? 0) - firstWrite).toBeGreaterThanOrEqual(900);
  });

  it("drops records that match no filter, without invoking, and checkpoints past them", async () => {
    const t = await table();
    const dir = stateDir();
    const fn = recorder();
    const filters = [
      { eventName: ["INSERT"], dynamodb: { NewImage: { status: { S: ["PENDING"] } } } },
      { dynamodb: { NewImage: { total: { N: [{ numeric: [">", 1000] }] } } } },
    ];
    const runner = await start(t, fn.handler, { filters, stateDir: dir });

    await t.put({ pk: "a", status: "PENDING" });
    await t.put({ pk: "b", status: "DONE" });
    await t.put({ pk: "c", status: "PENDING" });
    await t.update("a", { status: "CONFIRMED" });
    await t.put({ pk: "big", status: "DONE", total: 5000 });
    await runner.drain();
    const invocations = fn.batches.length;
    await t.put({ pk: "d", status: "DONE" });
    await t.put({ pk: "e", status: "REJECTED" });
    await runner.drain();
    await runner.stop();

    expect(fn.batches.flat().map(pkOf)).toEqual(["a", "c", "big"]);
    expect(fn.batches.length).toBe(invocations);
    // Everything was checkpointed, the dropped records included: an unfiltered mapping with the same
    // checkpoint has nothing left to deliver.
    const all = recorder();
    const again = await start(t, all.handler, { stateDir: dir });
    await again.drain();
    expect(all.batches).toEqual([]);
  });

  it("retries a failing batch maximumRetryAttempts times, then sends it to the destination and moves on", async () => {
    const t = await table();
    const dir = stateDir();
    const fn = recorder(async (event) => {
      if (hasKey(event, "bad")) throw new Error("cannot process bad");
      return undefined;
    });
    await t.putMany(["bad", "ok-1"]);

    const runner = await start(t, fn.handler, { stateDir: dir, maximumRetryAttempts: 2 });
    await runner.drain();
    await t.putMany(["ok-2", "ok-3"]);
    await runner.drain();

    const keys = fn.keys();
    expect(keys.slice(0, 3)).toEqual([
      ["bad", "ok-1"],
      ["bad", "ok-1"],
      ["bad", "ok-1"],
    ]);
    expect(keys.slice(3).flat()).toEqual(["ok-2", "ok-3"]);
    const [entry, ...more] = listDlq(dir, "test-stream");
    expect(more).toEqual([]);
    expect(entry?.requestContext).toMatchObject({
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 3,
      functionArn: expect.stringMatching(/^arn:aws:lambda:.+:function:test-stream$/),
    });
    expect(entry?.responseContext).toEqual({
      statusCode: 200,
      executedVersion: "$LATEST",
      functionError: "Unhandled",
    });
    expect(entry?.version).toBe("1.0");
    expect(entry?.records.map(pkOf)).toEqual(["bad", "ok-1"]);
    expect(entry?.DDBStreamBatchInfo).toEqual({
      shardId: expect.stringMatching(/^shardId-/),
      startSequenceNumber: entry?.records[0]?.dynamodb?.SequenceNumber,
      endSequenceNumber: entry?.records[1]?.dynamodb?.SequenceNumber,
      approximateArrivalOfFirstRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      approximateArrivalOfLastRecord: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      batchSize: 2,
      streamArn: runner.streamArn,
    });
    expect(runner.discarded).toEqual([entry]);
  });

  it("bisects a failing batch until only the poison record goes to the destination", async () => {
    const t = await table();
    const dir = stateDir();
    const fn = recorder(async (event) => {
      if (hasKey(event, "p3")) throw new Error("poison");
      return undefined;
    });
    const pks = ["p0", "p1", "p2", "p3", "p4", "p5", "p6", "p7"];
    await t.putMany(pks);

    const runner = await start(t, fn.handler, {
      stateDir: dir,
      batchSize: 8,
      bisectBatchOnFunctionError: true,
      maximumRetryAttempts: 1,
    });
    await runner.drain();

    // Every good record was processed exactly once, in order; the poison one was tried alone twice.
    expect(fn.processed()).toEqual(pks.filter((pk) => pk !== "p3"));
    expect(fn.keys().filter((batch) => batch.length === 1 && batch[0] === "p3")).toHaveLength(2);
    const entries = listDlq(dir, "test-stream");
    expect(entries.map((e) => e.records.map(pkOf))).toEqual([["p3"]]);
    expect(entries[0]?.DDBStreamBatchInfo.batchSize).toBe(1);
    expect(entries[0]?.requestContext.condition).toBe("RetryAttemptsExhausted");
  });

  it("with ReportBatchItemFailures retries from the lowest failed item; earlier records are checkpointed", async () => {
    const t = await table();
    const dir = stateDir();
    const fn = recorder(async (event) => {
      const failing = event.Records.filter((r) => ["r2", "r4"].includes(pkOf(r)));
      return {
        batchItemFailures: failing.map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? "" })),
      };
    });
    await t.putMany(["r0", "r1", "r2", "r3", "r4"]);

    const runner = await start(t, fn.handler, {
      stateDir: dir,
      reportBatchItemFailures: true,
      maximumRetryAttempts: 2,
    });
    await runner.drain();
    await t.putMany(["r5"]);
    await runner.drain();

    expect(fn.keys()).toEqual([
      ["r0", "r1", "r2", "r3", "r4"],
      ["r2", "r3", "r4"],
      ["r2", "r3", "r4"],
      ["r5"],
    ]);
    const entries = listDlq(dir, "test-stream");
    expect(entries.map((e) => e.records.map(pkOf))).toEqual([["r2", "r3", "r4"]]);
    expect(entries[0]?.requestContext.approximateInvokeCount).toBe(3);
    expect(entries[0]?.responseContext).toEqual({ statusCode: 200, executedVersion: "$LATEST" });
  });

  it("treats an empty or unknown itemIdentifier as a failure of the whole batch", async () => {
    const t = await table();
    let calls = 0;
    const fn = recorder(async () => {
      calls++;
      if (calls === 1) return { batchItemFailures: [{ itemIdentifier: "" }] };
      if (calls === 2) return { batchItemFailures: [{ itemIdentifier: "999999999" }] };
      return { batchItemFailures: [] };
    });
    await t.putMany(["x0", "x1"]);

    const runner = await start(t, fn.handler, { reportBatchItemFailures: true, maximumRetryAttempts: 5 });
    await runner.drain();

    expect(fn.keys()).toEqual([
      ["x0", "x1"],
      ["x0", "x1"],
      ["x0", "x1"],
    ]);
  });

  it("sends records older than maximumRecordAgeSeconds to the destination instead of invoking them", async () => {
    const t = await table();
    const dir = stateDir();
    const fn = recorder(async (event) => {
      if (hasKey(event, "old")) throw new Error("keeps failing");
      return undefined;
    });
    // Infinite retries (Lambda's default): only the age limit gets the shard past the failing record.
    const runner = await start(t, fn.handler, { stateDir: dir, maximumRecordAgeSeconds: 1 });

    await t.put({ pk: "old" });
    await runner.drain(10_000);
    await t.put({ pk: "fresh" });
    await runner.drain();

    const [entry, ...more] = listDlq(dir, "test-stream");
    expect(more).toEqual([]);
    expect(entry?.records.map(pkOf)).toEqual(["old"]);
    expect(entry?.requestContext.condition).toBe("RecordAgeExceeded");
    const attempts = fn.keys().filter((batch) => batch.includes("old")).length;
    expect(attempts).toBeGreaterThan(1);
    expect(entry?.requestContext.approximateInvokeCount).toBe(attempts);
    expect(entry?.responseContext?.functionError).toBe("Unhandled");
    expect(fn.keys().at(-1)).toEqual(["fresh"]);
  });

  it("resumes after its checkpoint across stop and start; nothing re-delivered, nothing skipped", async () => {
    const t = await table();
    const dir = stateDir();
    await t.putMany(["k0", "k1"]);
    const first = recorder();
    const runner = await start(t, first.handler, { stateDir: dir });
    await runner.drain();
    await runner.stop();

    await t.putMany(["k2", "k3"]);
    const second = recorder();
    const restarted = await start(t, second.handler, { stateDir: dir });
    await restarted.drain();

    expect(first.batches.flat().map(pkOf)).toEqual(["k0", "k1"]);
    expect(second.batches.flat().map(pkOf)).toEqual(["k2", "k3"]);
    const file = join(dir, "test-stream.checkpoint.json");
    const checkpoint = readCheckpoint(file);
    expect(checkpoint?.streamArn).toBe(restarted.streamArn);
    const last = second.batches.flat().at(-1)?.dynamodb?.SequenceNumber;
    expect(Object.values(checkpoint?.shards ?? {}).map((s) => s.sequenceNumber)).toContain(last);
    expect(readdirTemp(dir)).toEqual([]);
  });

  it("lets the invocation in flight finish and checkpoints it when stopped gracefully", async () => {
    const t = await table();
    const dir = stateDir();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const started = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow = recorder(async () => {
      entered();
      await gate;
      return undefined;
    });
    await t.putMany(["s0"]);
    const runner = await start(t, slow.handler, { stateDir: dir });
    await started;

    const stopping = runner.stop();
    release();
    await stopping;
    const again = recorder();
    const restarted = await start(t, again.handler, { stateDir: dir });
    await restarted.drain();

    expect(slow.keys()).toEqual([["s0"]]);
    expect(again.keys()).toEqual([]);
  });

  it("delivers at least once: a crash after the handler but before the checkpoint re-delivers the batch", async () => {
    const t = await table();
    const dir = stateDir();
    const crashed = stateDir();
    const checkpointFile = "test-stream.checkpoint.json";
    const fn = recorder(async (event) => {
      // The state a crash at the end of this invocation would leave behind.
      if (hasKey(event, "c1")) copyFileSync(join(dir, checkpointFile), join(crashed, checkpointFile));
      return undefined;
    });
    await t.putMany(["c0"]);
    const runner = await start(t, fn.handler, { stateDir: dir });
    await runner.drain();
    await t.putMany(["c1"]);
    await runner.drain();
    await runner.stop();

    const after = recorder();
    const restarted = await start(t, after.handler, { stateDir: crashed });
    await restarted.drain();

    expect(fn.batches.flat().map(pkOf)).toEqual(["c0", "c1"]);
    expect(after.batches.flat().map(pkOf)).toEqual(["c1"]);
  });

  it("redrives destination entries: those that now succeed are removed, the others kept", async () => {
    const t = await table();
    const dir = stateDir();
    const fn = recorder(async (event) => {
      if (hasKey(event, "bad")) throw new Error("bad record");
      return undefined;
    });
    await t.putMany(["bad"]);
    const runner = await start(t, fn.handler, { stateDir: dir, maximumRetryAttempts: 0 });
    await runner.drain();
    await runner.stop();
    const [entry] = listDlq(dir, "test-stream");
    expect(entry?.records.map(pkOf)).toEqual(["bad"]);

    const stillBroken = await redriveDlq(dir, "test-stream", fn.handler);
    expect(stillBroken).toMatchObject({ redriven: 0, stillFailing: 1 });
    expect(stillBroken.outcomes[0]?.reason).toBe("bad record");
    expect(listDlq(dir, "test-stream")).toEqual([entry]);

    const fixed = recorder();
    const result = await redriveDlq(dir, "test-stream", fixed.handler);
    expect(result).toMatchObject({ redriven: 1, stillFailing: 0 });
    expect(fixed.batches).toEqual([entry?.records]);
    expect(listDlq(dir, "test-stream")).toEqual([]);
    expect(existsSync(join(dir, "test-stream.dlq.jsonl"))).toBe(true);
    expect(readFileSync(join(dir, "test-stream.dlq.jsonl"), "utf8")).toBe("");
  });

  it("rejects a table without a stream and invalid options with clear messages", async () => {
    await expect(
      startStreamRunner(
        { endpoint: endpoint(), tableName: "no-such-table", name: "x" },
        async () => undefined,
      ),
    ).rejects.toThrow(/no-such-table|not found|non-existent/i);
    await expect(
      startStreamRunner(
        {
          endpoint: endpoint(),
          tableName: "whatever",
          name: "bad/name",
          batchSize: 0,
        } as StreamRunnerOptions,
        async () => undefined,
      ),
    ).rejects.toThrow(/name:[\s\S]*batchSize:/);
  });
});

function readdirTemp(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith(".tmp"));
}
