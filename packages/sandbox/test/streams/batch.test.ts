import { describe, expect, it } from "vitest";
import { applyRetryPolicy, type BatchIo, type BatchPolicy } from "../../src/streams/batch.ts";
import type { DiscardCondition } from "../../src/streams/destination.ts";
import type { InvokeResult } from "../../src/streams/invoke.ts";
import { interpretResponse } from "../../src/streams/invoke.ts";
import type { LambdaStreamRecord } from "../../src/streams/records.ts";

const NOW = 1_800_000_000_000;

function rec(seq: number, createdSecondsAgo = 0): LambdaStreamRecord {
  return {
    eventID: `e${seq}`,
    eventName: "INSERT",
    eventSourceARN: "arn:aws:dynamodb:ddblocal:000000000000:table/t/stream/x",
    dynamodb: { SequenceNumber: String(seq), ApproximateCreationDateTime: NOW / 1000 - createdSecondsAgo },
  };
}

/** Drives applyRetryPolicy with a scripted function (pure rules: no engine, no timers). */
function harness(fn: (records: LambdaStreamRecord[]) => InvokeResult) {
  const invocations: string[][] = [];
  const checkpoints: string[] = [];
  const discarded: Array<{ seqs: string[]; condition: DiscardCondition; invokes: number }> = [];
  const io: BatchIo = {
    invoke: async (records) => {
      invocations.push(records.map((r) => r.dynamodb.SequenceNumber));
      return fn(records);
    },
    checkpoint: (r) => checkpoints.push(r.dynamodb.SequenceNumber),
    discard: (records, condition, invokes) =>
      discarded.push({ seqs: records.map((r) => r.dynamodb.SequenceNumber), condition, invokes }),
    sleep: async () => true,
    stopped: () => false,
    nowMs: () => NOW,
    createdAtMs: (r) => r.dynamodb.ApproximateCreationDateTime * 1000,
  };
  return { io, invocations, checkpoints, discarded };
}

const policy = (overrides: Partial<BatchPolicy> = {}): BatchPolicy => ({
  maximumRetryAttempts: 2,
  maximumRecordAgeSeconds: -1,
  bisectBatchOnFunctionError: false,
  retryDelayMs: () => 0,
  ...overrides,
});

const has = (records: LambdaStreamRecord[], seq: string) =>
  records.some((r) => r.dynamodb.SequenceNumber === seq);

describe("applyRetryPolicy (Lambda stream error handling rules)", () => {
  it("bisection does not use up retries: with 0 retries the poison record is isolated and only it is discarded", async () => {
    const h = harness((records) =>
      has(records, "3") ? { kind: "error", error: new Error("x") } : { kind: "success" },
    );
    const batch = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => rec(n));

    await applyRetryPolicy(
      batch,
      policy({ maximumRetryAttempts: 0, bisectBatchOnFunctionError: true }),
      h.io,
    );

    expect(h.invocations).toEqual([
      ["1", "2", "3", "4", "5", "6", "7", "8"],
      ["1", "2", "3", "4"],
      ["1", "2"],
      ["3", "4"],
      ["3"],
      ["4"],
      ["5", "6", "7", "8"],
    ]);
    expect(h.discarded).toEqual([{ seqs: ["3"], condition: "RetryAttemptsExhausted", invokes: 4 }]);
    expect(h.checkpoints).toEqual(["2", "3", "4", "8"]);
  });

  it("does not bisect on an invalid partial response (not a function error)", async () => {
    const h = harness(() => ({ kind: "invalid", reason: "empty itemIdentifier" }));
    await applyRetryPolicy(
      [rec(1), rec(2)],
      policy({ bisectBatchOnFunctionError: true, maximumRetryAttempts: 1 }),
      h.io,
    );
    expect(h.invocations).toEqual([
      ["1", "2"],
      ["1", "2"],
    ]);
    expect(h.discarded).toEqual([{ seqs: ["1", "2"], condition: "RetryAttemptsExhausted", invokes: 2 }]);
  });

  it("discards records already older than the maximum age without invoking, and invokes the rest", async () => {
    const h = harness(() => ({ kind: "success" }));
    await applyRetryPolicy(
      [rec(1, 120), rec(2, 90), rec(3, 10)],
      policy({ maximumRecordAgeSeconds: 60 }),
      h.io,
    );
    expect(h.discarded).toEqual([{ seqs: ["1", "2"], condition: "RecordAgeExceeded", invokes: 0 }]);
    expect(h.invocations).toEqual([["3"]]);
    expect(h.checkpoints).toEqual(["2", "3"]);
  });

  it("stops without checkpointing when the runner stops between retries", async () => {
    const h = harness(() => ({ kind: "error", error: new Error("x") }));
    h.io.sleep = async () => false;
    expect(await applyRetryPolicy([rec(1)], policy({ maximumRetryAttempts: -1 }), h.io)).toBe("stopped");
    expect(h.checkpoints).toEqual([]);
  });
});

describe("interpretResponse", () => {
  const records = [rec(10), rec(11), rec(12)];
  it("reads success, partial failure at the lowest sequence number, and invalid identifiers", () => {
    expect(interpretResponse(undefined, records, true)).toEqual({ kind: "success" });
    expect(interpretResponse(null, records, true)).toEqual({ kind: "success" });
    expect(interpretResponse({}, records, true)).toEqual({ kind: "success" });
    expect(interpretResponse({ batchItemFailures: null }, records, true)).toEqual({ kind: "success" });
    expect(interpretResponse({ batchItemFailures: [] }, records, true)).toEqual({ kind: "success" });
    expect(
      interpretResponse(
        { batchItemFailures: [{ itemIdentifier: "12" }, { itemIdentifier: "11" }] },
        records,
        true,
      ),
    ).toEqual({ kind: "partial", failedIndex: 1, itemIdentifier: "11" });
    expect(interpretResponse({ batchItemFailures: [{ itemIdentifier: "" }] }, records, true).kind).toBe(
      "invalid",
    );
    expect(interpretResponse({ batchItemFailures: [{ itemIdentifier: null }] }, records, true).kind).toBe(
      "invalid",
    );
    expect(interpretResponse({ batchItemFailures: [{ itemIdentifier: "99" }] }, records, true).kind).toBe(
      "invalid",
    );
    expect(interpretResponse("ok", records, true).kind).toBe("invalid");
  });

  it("ignores the response without ReportBatchItemFailures, as Lambda does", () => {
    expect(interpretResponse({ batchItemFailures: [{ itemIdentifier: "11" }] }, records, false)).toEqual({
      kind: "success",
    });
  });
});
