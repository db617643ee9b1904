import { parseConfig } from "@meridian/core";
import * as z from "zod/mini";
import type { StreamFailureRecord } from "./destination.ts";

/** What `onInvoke` receives after every invocation of the function (for logs and metrics). */
export interface InvokeInfo {
  name: string;
  shardId: string;
  batchSize: number;
  firstSequenceNumber: string;
  lastSequenceNumber: string;
  /** 1 for the first invocation of these records, 2 for the first retry… */
  approximateInvokeCount: number;
  durationMs: number;
  /**
   * `success`; `partial-failure` (batch item failures reported); `invalid-response` (an empty or unknown
   * itemIdentifier: the whole batch failed); `error` (the function threw).
   */
  outcome: "success" | "partial-failure" | "invalid-response" | "error";
  error?: unknown;
}

export interface StreamRunnerOptions {
  /** DynamoDB (Local) endpoint, e.g. http://127.0.0.1:8000. */
  endpoint: string;
  /** What to sign with there (DynamoDB Local keeps one database per access key). Default LOCAL_CREDENTIALS. */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** A table with a stream; the runner reads its LatestStreamArn. */
  tableName: string;
  /** Mapping name: names the checkpoint and destination files (letters, digits, `.`, `_`, `-`). */
  name: string;
  /** Directory for `<name>.checkpoint.json` and `<name>.dlq.jsonl`; undefined keeps both in memory. */
  stateDir?: string;
  /** Records per invocation, 1..10000. Default 100, as Lambda. */
  batchSize?: number;
  /** Gather records for up to this long before invoking, 0..300. Default 0: invoke as soon as there are records. */
  maximumBatchingWindowSeconds?: number;
  /** Lambda filter patterns (FilterCriteria.Filters[].Pattern, parsed); OR-ed. Non-matching records are skipped. */
  filters?: object[];
  /** -1 (default, as Lambda) retries until the record is too old; 0..10000 otherwise. */
  maximumRetryAttempts?: number;
  /**
   * -1 (default, as Lambda): no limit. Lambda accepts 60..604800; the sandbox accepts any value from 0
   * so that tests need not wait a minute.
   */
  maximumRecordAgeSeconds?: number;
  bisectBatchOnFunctionError?: boolean;
  /** FunctionResponseTypes: ["ReportBatchItemFailures"]. */
  reportBatchItemFailures?: boolean;
  /** GetRecords polling interval per shard when the shard is idle. Default 250 ms (Lambda polls 4 times a second). */
  pollIntervalMs?: number;
  /** Called after every invocation. Exceptions thrown by the hook are ignored. */
  onInvoke?: (info: InvokeInfo) => void;
  /** Called when a batch goes to the on-failure destination. */
  onDiscard?: (entry: StreamFailureRecord) => void;
  /** Polling and stream errors (the runner keeps going). Default: console.error. */
  onError?: (error: unknown, where: string) => void;
  /**
   * For a database that is known to go away and come back (the sandbox's supervised DynamoDB Local):
   * while it is down, polling and invocations wait for it, and an invocation that failed because it went
   * down meanwhile is delivered again instead of counting as a retry. DynamoDB in AWS does not restart
   * under a function, so these failures are not the function's and must not send records to the
   * destination.
   */
  availability?: StreamAvailability;
}

export interface StreamAvailability {
  /** Resolves once the database is up (at once when it is). */
  whenUp(): Promise<void>;
  /** A number that changes each time the database goes down. */
  outages(): number;
}

const isFunction = (value: unknown) => typeof value === "function";

const OptionsSchema = z.strictObject({
  endpoint: z.url(),
  credentials: z.optional(
    z.strictObject({
      accessKeyId: z.string().check(z.minLength(1)),
      secretAccessKey: z.string().check(z.minLength(1)),
    }),
  ),
  tableName: z.string().check(z.minLength(3), z.maxLength(255)),
  name: z
    .string()
    .check(
      z.regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
        "letters, digits, '.', '_' and '-' only (it names files)",
      ),
    ),
  stateDir: z.optional(z.string().check(z.minLength(1))),
  batchSize: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(10_000)), 100),
  maximumBatchingWindowSeconds: z._default(z.number().check(z.minimum(0), z.maximum(300)), 0),
  filters: z._default(z.array(z.record(z.string(), z.unknown())).check(z.maxLength(10)), []),
  maximumRetryAttempts: z._default(z.number().check(z.int(), z.minimum(-1), z.maximum(10_000)), -1),
  maximumRecordAgeSeconds: z._default(z.number().check(z.minimum(-1), z.maximum(604_800)), -1),
  bisectBatchOnFunctionError: z._default(z.boolean(), false),
  reportBatchItemFailures: z._default(z.boolean(), false),
  pollIntervalMs: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(60_000)), 250),
  onInvoke: z.optional(z.custom<(info: InvokeInfo) => void>(isFunction, "must be a function")),
  onDiscard: z.optional(z.custom<(entry: StreamFailureRecord) => void>(isFunction, "must be a function")),
  onError: z.optional(z.custom<(error: unknown, where: string) => void>(isFunction, "must be a function")),
  availability: z.optional(
    z.custom<StreamAvailability>(
      (value) =>
        isFunction((value as StreamAvailability | undefined)?.whenUp) &&
        isFunction((value as StreamAvailability | undefined)?.outages),
      "must have whenUp() and outages()",
    ),
  ),
});

export type ResolvedOptions = z.output<typeof OptionsSchema>;

export class StreamRunnerOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamRunnerOptionsError";
  }
}

/** Applies Lambda's defaults and rejects unknown or out-of-range options with every problem named. */
export function resolveOptions(options: StreamRunnerOptions): ResolvedOptions {
  return parseConfig(
    OptionsSchema,
    options,
    "options",
    (problems) => new StreamRunnerOptionsError(`Invalid stream runner options:\n  ${problems.join("\n  ")}`),
  );
}
