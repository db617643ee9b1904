import { randomUUID } from "node:crypto";
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import type { DynamoDBStreamHandler } from "aws-lambda";
import { type InvokeResult, invokeHandler } from "./invoke.ts";
import type { LambdaStreamRecord } from "./records.ts";

export type DiscardCondition = "RetryAttemptsExhausted" | "RecordAgeExceeded";

/**
 * One entry of the on-failure destination: the document Lambda sends to the SQS/SNS on-failure
 * destination of a stream event source mapping, plus `records`.
 *
 * The real SQS destination carries only `DDBStreamBatchInfo` (where the batch is in the stream; the
 * records must be read back from the stream within its 24 h retention). The local file also keeps the
 * records themselves so they can be redriven (`npm run dlq -- redrive`) long after.
 */
export interface StreamFailureRecord {
  requestContext: {
    requestId: string;
    functionArn?: string;
    condition: DiscardCondition;
    approximateInvokeCount: number;
  };
  responseContext?: {
    statusCode: number;
    executedVersion: string;
    functionError?: "Unhandled";
  };
  version: "1.0";
  timestamp: string;
  DDBStreamBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
  /** Sandbox only: the discarded records, as they were delivered to the function. */
  records: LambdaStreamRecord[];
}

export function dlqPath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.dlq.jsonl`);
}

function arrival(record: LambdaStreamRecord): string {
  // Lambda writes whole seconds, ISO 8601 in UTC: 2025-06-05T18:21:49Z.
  return new Date(Math.floor(record.dynamodb.ApproximateCreationDateTime) * 1000)
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z");
}

export interface FailureRecordInput {
  records: LambdaStreamRecord[];
  shardId: string;
  streamArn: string;
  functionArn?: string;
  condition: DiscardCondition;
  approximateInvokeCount: number;
  lastResult?: InvokeResult;
  now?: Date;
}

/** Builds the destination document for a discarded batch (records in stream order, at least one). */
export function failureRecord(input: FailureRecordInput): StreamFailureRecord {
  const first = input.records[0];
  const last = input.records[input.records.length - 1];
  if (!first || !last) throw new Error("a discarded batch has at least one record");
  const entry: StreamFailureRecord = {
    requestContext: {
      requestId: randomUUID(),
      ...(input.functionArn ? { functionArn: input.functionArn } : {}),
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    version: "1.0",
    timestamp: (input.now ?? new Date()).toISOString(),
    DDBStreamBatchInfo: {
      shardId: input.shardId,
      startSequenceNumber: first.dynamodb.SequenceNumber,
      endSequenceNumber: last.dynamodb.SequenceNumber,
      approximateArrivalOfFirstRecord: arrival(first),
      approximateArrivalOfLastRecord: arrival(last),
      batchSize: input.records.length,
      streamArn: input.streamArn,
    },
    records: input.records,
  };
  if (input.lastResult) {
    entry.responseContext = {
      statusCode: 200,
      executedVersion: "$LATEST",
      ...(input.lastResult.kind === "error" ? { functionError: "Unhandled" as const } : {}),
    };
  }
  return entry;
}

/** Appends one entry (one JSON line) to the local destination file. */
export function appendToDlq(file: string, entry: StreamFailureRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

function parseLines(text: string, file: string): StreamFailureRecord[] {
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line, i) => {
      try {
        return JSON.parse(line) as StreamFailureRecord;
      } catch {
        throw new Error(`${file}:${i + 1} is not valid JSON`);
      }
    });
}

/** The entries of a mapping's destination file, oldest first (empty when there is no file). */
export function listDlq(stateDir: string, name: string): StreamFailureRecord[] {
  const file = dlqPath(stateDir, name);
  if (!existsSync(file)) return [];
  return parseLines(readFileSync(file, "utf8"), file);
}

/** Mapping names that have a destination file under `stateDir`. */
export function dlqNames(stateDir: string): string[] {
  if (!existsSync(stateDir)) return [];
  return readdirSync(stateDir)
    .filter((file) => file.endsWith(".dlq.jsonl"))
    .map((file) => file.slice(0, -".dlq.jsonl".length))
    .sort();
}

export interface RedriveOutcome {
  requestId: string;
  ok: boolean;
  records: number;
  /** Why it still fails: the error message, or the reported batch item failures. */
  reason?: string;
}

export interface RedriveResult {
  redriven: number;
  stillFailing: number;
  outcomes: RedriveOutcome[];
}

/**
 * Invokes `handler` again with each entry's records, in order. Entries that now succeed are removed
 * from the file; entries that still fail stay (trimmed to the records from the first reported failure
 * on, when the handler reports batch item failures). The handler should be idempotent: the records
 * may have been partly processed before.
 *
 * The running sandbox may append new entries meanwhile: whatever was appended after this function read
 * the file is kept. (The window between that re-read and the rename is a few microseconds.)
 */
export async function redriveDlq(
  stateDir: string,
  name: string,
  handler: DynamoDBStreamHandler,
): Promise<RedriveResult> {
  const file = dlqPath(stateDir, name);
  if (!existsSync(file)) return { redriven: 0, stillFailing: 0, outcomes: [] };
  const original = readFileSync(file, "utf8");
  const entries = parseLines(original, file);
  const kept: StreamFailureRecord[] = [];
  const outcomes: RedriveOutcome[] = [];

  for (const entry of entries) {
    const result = await invokeHandler(handler, entry.records, {
      functionName: name,
      reportBatchItemFailures: true,
    });
    const requestId = entry.requestContext.requestId;
    if (result.kind === "success") {
      outcomes.push({ requestId, ok: true, records: entry.records.length });
      continue;
    }
    let remaining = entry;
    if (result.kind === "partial") {
      const records = entry.records.slice(result.failedIndex);
      const first = records[0];
      const last = records[records.length - 1];
      if (first && last) {
        remaining = {
          ...entry,
          DDBStreamBatchInfo: {
            ...entry.DDBStreamBatchInfo,
            startSequenceNumber: first.dynamodb.SequenceNumber,
            endSequenceNumber: last.dynamodb.SequenceNumber,
            approximateArrivalOfFirstRecord: arrival(first),
            batchSize: records.length,
          },
          records,
        };
      }
    }
    kept.push(remaining);
    outcomes.push({ requestId, ok: false, records: remaining.records.length, reason: describe(result) });
  }

  const now = readFileSync(file, "utf8");
  const appended = now.startsWith(original) ? now.slice(original.length) : "";
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, kept.map((entry) => `${JSON.stringify(entry)}\n`).join("") + appended);
  renameSync(temp, file);
  return {
    redriven: outcomes.filter((o) => o.ok).length,
    stillFailing: kept.length,
    outcomes,
  };
}

function describe(result: InvokeResult): string {
  switch (result.kind) {
    case "error":
      return result.error instanceof Error ? result.error.message : String(result.error);
    case "partial":
      return `batch item failure from sequence number ${result.itemIdentifier}`;
    case "invalid":
      return result.reason;
    default:
      return "";
  }
}
