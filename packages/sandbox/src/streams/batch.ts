import type { DiscardCondition } from "./destination.ts";
import type { InvokeResult } from "./invoke.ts";
import type { LambdaStreamRecord } from "./records.ts";

export interface BatchPolicy {
  /** -1: retry until the record expires (Lambda's default). */
  maximumRetryAttempts: number;
  /** -1: no age limit. */
  maximumRecordAgeSeconds: number;
  bisectBatchOnFunctionError: boolean;
  /** Delay before retry number `n` (1-based). */
  retryDelayMs: (retry: number) => number;
}

/** What processing a batch needs from the runner; kept apart so the rules can be tested without I/O. */
export interface BatchIo {
  invoke(records: LambdaStreamRecord[], invokeCount: number): Promise<InvokeResult>;
  /** Everything up to and including this record is done. */
  checkpoint(record: LambdaStreamRecord): void;
  discard(
    records: LambdaStreamRecord[],
    condition: DiscardCondition,
    approximateInvokeCount: number,
    lastResult: InvokeResult | undefined,
  ): void;
  /** Resolves false when the runner stops during the wait. */
  sleep(ms: number): Promise<boolean>;
  stopped(): boolean;
  nowMs(): number;
  /** When the record was written, as far as known (for MaximumRecordAgeInSeconds). */
  createdAtMs(record: LambdaStreamRecord): number;
}

export type BatchOutcome = "done" | "stopped";

interface Attempts {
  /** Invocations that carried these records (the destination's approximateInvokeCount). */
  invokes: number;
  /** Retries consumed against maximumRetryAttempts. */
  retries: number;
  lastResult?: InvokeResult;
}

/** Records at the head of the batch older than the maximum age (records are in stream order). */
function expiredPrefix(records: LambdaStreamRecord[], maxAgeSeconds: number, io: BatchIo): number {
  if (maxAgeSeconds < 0) return 0;
  const now = io.nowMs();
  let n = 0;
  for (const record of records) {
    if (now - io.createdAtMs(record) <= maxAgeSeconds * 1000) break;
    n++;
  }
  return n;
}

function last(records: LambdaStreamRecord[]): LambdaStreamRecord {
  const record = records[records.length - 1];
  if (!record) throw new Error("empty batch");
  return record;
}

/**
 * Runs one batch through Lambda's stream error handling, in order, until every record is either
 * processed or sent to the on-failure destination:
 *
 * - before each invocation, records older than MaximumRecordAgeInSeconds are discarded
 *   (`RecordAgeExceeded`) without being invoked;
 * - success checkpoints the whole batch;
 * - a partial batch response checkpoints the records before the lowest reported failure and retries
 *   the rest (that counts as a retry);
 * - a function error retries the whole batch; with BisectBatchOnFunctionError a batch of two or more
 *   is split in halves instead, first half first, each half with its own retries. As documented,
 *   splitting does not count against the retry quota, so a poison record ends up alone and only it is
 *   discarded;
 * - an invalid partial response (empty/unknown itemIdentifier) fails the whole batch (retried, not
 *   bisected, since it is not a function error);
 * - when the retries are exhausted the remaining records go to the destination
 *   (`RetryAttemptsExhausted`) and are checkpointed, so the shard moves on.
 */
export async function applyRetryPolicy(
  records: LambdaStreamRecord[],
  policy: BatchPolicy,
  io: BatchIo,
  attempts: Attempts = { invokes: 0, retries: 0 },
): Promise<BatchOutcome> {
  let batch = records;
  let { invokes, retries, lastResult } = attempts;
  while (batch.length > 0) {
    if (io.stopped()) return "stopped";

    const expired = expiredPrefix(batch, policy.maximumRecordAgeSeconds, io);
    if (expired > 0) {
      const old = batch.slice(0, expired);
      io.discard(old, "RecordAgeExceeded", invokes, lastResult);
      io.checkpoint(last(old));
      batch = batch.slice(expired);
      continue;
    }

    invokes++;
    const result = await io.invoke(batch, invokes);
    lastResult = result;
    if (result.kind === "success") {
      io.checkpoint(last(batch));
      return "done";
    }

    if (result.kind === "error" && policy.bisectBatchOnFunctionError && batch.length > 1) {
      const middle = Math.ceil(batch.length / 2);
      for (const half of [batch.slice(0, middle), batch.slice(middle)]) {
        const outcome = await applyRetryPolicy(half, policy, io, { invokes, retries, lastResult });
        if (outcome === "stopped") return outcome;
      }
      return "done";
    }

    if (result.kind === "partial" && result.failedIndex > 0) {
      io.checkpoint(batch[result.failedIndex - 1] as LambdaStreamRecord);
      batch = batch.slice(result.failedIndex);
    }
    retries++;
    if (policy.maximumRetryAttempts >= 0 && retries > policy.maximumRetryAttempts) {
      io.discard(batch, "RetryAttemptsExhausted", invokes, lastResult);
      io.checkpoint(last(batch));
      return "done";
    }
    if (!(await io.sleep(policy.retryDelayMs(retries)))) return "stopped";
  }
  return "done";
}
