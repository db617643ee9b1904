import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeStreamCommand, DynamoDBStreamsClient } from "@aws-sdk/client-dynamodb-streams";
import { clientBudget, LOCAL_CREDENTIALS } from "@meridian/adapters";
import { BUDGETS } from "@meridian/core";
import type { DynamoDBStreamHandler } from "aws-lambda";
import type { BatchPolicy } from "./batch.ts";
import { CheckpointStore, checkpointPath } from "./checkpoint.ts";
import {
  appendToDlq,
  type DiscardCondition,
  dlqPath,
  failureRecord,
  type StreamFailureRecord,
} from "./destination.ts";
import { compileFilters } from "./filter.ts";
import { type InvokeResult, invokeHandler } from "./invoke.ts";
import {
  type InvokeInfo,
  type ResolvedOptions,
  resolveOptions,
  type StreamRunnerOptions,
} from "./options.ts";
import type { LambdaStreamRecord } from "./records.ts";
import { MAX_BACKOFF_MS, type ShardHost, ShardWorker, Stopped } from "./shard-worker.ts";
import { mayStart, type ShardInfo } from "./shards.ts";

export interface StreamRunner {
  readonly streamArn: string;
  /** Batches sent to the on-failure destination since start (also appended to the DLQ file). */
  readonly discarded: readonly StreamFailureRecord[];
  /** Finishes the invocation in progress (without starting retries) and stops polling. */
  stop(): Promise<void>;
  /**
   * Resolves once every record in the stream when it was called is processed, filtered out or sent to
   * the destination (and the shard list was re-read). Rejects after `timeoutMs` (default 30 s), e.g.
   * when a failing batch is retried forever (maximumRetryAttempts -1).
   */
  drain(timeoutMs?: number): Promise<void>;
}

/** The runner of one mapping: the clients, the shard list, the function and its destination. */
class Runner implements ShardHost {
  stopping = false;
  readonly workers = new Map<string, ShardWorker>();
  readonly known = new Map<string, ShardInfo>();
  readonly running = new Set<Promise<void>>();
  readonly discarded: StreamFailureRecord[] = [];
  readonly policy: BatchPolicy;
  readonly matches: (record: unknown) => boolean;
  readonly functionArn: string;
  private readonly abort = new AbortController();
  private discovering: Promise<void> | undefined;
  private discoveryTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly options: ResolvedOptions,
    private readonly handler: DynamoDBStreamHandler,
    readonly db: DynamoDBClient,
    readonly streams: DynamoDBStreamsClient,
    readonly streamArn: string,
    readonly checkpoints: CheckpointStore,
  ) {
    this.matches = compileFilters(options.filters);
    this.policy = {
      maximumRetryAttempts: options.maximumRetryAttempts,
      maximumRecordAgeSeconds: options.maximumRecordAgeSeconds,
      bisectBatchOnFunctionError: options.bisectBatchOnFunctionError,
      retryDelayMs: (retry) => Math.min(MAX_BACKOFF_MS, options.pollIntervalMs * 2 ** (retry - 1)),
    };
    const region = streamArn.split(":")[3] || "ddblocal";
    this.functionArn = `arn:aws:lambda:${region}:000000000000:function:${options.name}`;
  }

  start(): void {
    const tick = () => {
      if (this.stopping) return;
      this.discover()
        .catch((error) => this.reportError(error, "DescribeStream"))
        .finally(() => {
          if (!this.stopping)
            this.discoveryTimer = setTimeout(tick, Math.max(1_000, this.options.pollIntervalMs));
        });
    };
    tick();
  }

  mayStart(shard: ShardInfo): boolean {
    return mayStart(shard, this.known, (id) => this.workers.get(id)?.finished ?? false);
  }

  /** Reads the shard list (all pages) and starts a worker for each new shard. */
  discover(): Promise<void> {
    this.discovering ??= (async () => {
      try {
        let start: string | undefined;
        do {
          const page = await this.streams.send(
            new DescribeStreamCommand({ StreamArn: this.streamArn, ExclusiveStartShardId: start }),
          );
          for (const shard of page.StreamDescription?.Shards ?? []) {
            if (!shard.ShardId) continue;
            const info: ShardInfo = this.known.get(shard.ShardId) ?? { shardId: shard.ShardId };
            if (shard.ParentShardId) info.parentShardId = shard.ParentShardId;
            // Closing is the only change a listed shard goes through: it gains an ending sequence number.
            const ending = shard.SequenceNumberRange?.EndingSequenceNumber;
            if (ending) info.endingSequenceNumber = ending;
            this.known.set(info.shardId, info);
          }
          start = page.StreamDescription?.LastEvaluatedShardId;
        } while (start && !this.stopping);
        for (const info of this.known.values()) {
          if (this.workers.has(info.shardId) || this.stopping) continue;
          const worker = new ShardWorker(info, this);
          this.workers.set(info.shardId, worker);
          const run = worker.run().catch((error) => this.reportError(error, `shard ${info.shardId}`));
          this.running.add(run);
          void run.finally(() => this.running.delete(run));
        }
      } finally {
        this.discovering = undefined;
      }
    })();
    return this.discovering;
  }

  discard(
    shardId: string,
    records: LambdaStreamRecord[],
    condition: DiscardCondition,
    approximateInvokeCount: number,
    lastResult: InvokeResult | undefined,
  ): void {
    const entry = failureRecord({
      records,
      shardId,
      streamArn: this.streamArn,
      functionArn: this.functionArn,
      condition,
      approximateInvokeCount,
      lastResult,
    });
    if (this.options.stateDir) appendToDlq(dlqPath(this.options.stateDir, this.options.name), entry);
    this.discarded.push(entry);
    this.hook(() => this.options.onDiscard?.(entry));
  }

  shardFinished(): void {
    void this.discover().catch((error) => this.reportError(error, "DescribeStream"));
  }

  async invoke(shardId: string, records: LambdaStreamRecord[], invokeCount: number): Promise<InvokeResult> {
    const availability = this.options.availability;
    for (;;) {
      await this.untilAvailable();
      // Stopped while waiting: nothing is invoked or checkpointed; the batch is delivered on the next start.
      if (availability && this.stopping) throw new Stopped();
      const outages = availability?.outages();
      const result = await this.invokeOnce(shardId, records, invokeCount);
      if (result.kind === "success" || outages === availability?.outages()) return result;
      // Failed because the database went down meanwhile: deliver the same records again once it is back,
      // without counting a retry (the handlers are idempotent, as at-least-once delivery requires).
      if (this.stopping) throw new Stopped();
    }
  }

  private async invokeOnce(
    shardId: string,
    records: LambdaStreamRecord[],
    invokeCount: number,
  ): Promise<InvokeResult> {
    const started = performance.now();
    const result = await invokeHandler(this.handler, records, {
      functionName: this.options.name,
      functionArn: this.functionArn,
      reportBatchItemFailures: this.options.reportBatchItemFailures,
    });
    const first = records[0];
    const last = records[records.length - 1];
    const info: InvokeInfo = {
      name: this.options.name,
      shardId,
      batchSize: records.length,
      firstSequenceNumber: first?.dynamodb.SequenceNumber ?? "",
      lastSequenceNumber: last?.dynamodb.SequenceNumber ?? "",
      approximateInvokeCount: invokeCount,
      durationMs: performance.now() - started,
      outcome:
        result.kind === "partial"
          ? "partial-failure"
          : result.kind === "invalid"
            ? "invalid-response"
            : result.kind,
    };
    if (result.kind === "error") info.error = result.error;
    this.hook(() => this.options.onInvoke?.(info));
    return result;
  }

  private hook(call: () => void): void {
    try {
      call();
    } catch {
      // A logging hook must not change how records are processed.
    }
  }

  reportError(error: unknown, where: string): void {
    if (this.options.onError) this.hook(() => this.options.onError?.(error, where));
    else console.error(`[stream ${this.options.name}] ${where}:`, error);
  }

  /** Waits while the database is down (see `availability`), or until the runner stops. */
  untilAvailable(): Promise<void> {
    const availability = this.options.availability;
    if (!availability || this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.abort.signal.removeEventListener("abort", done);
        resolve();
      };
      this.abort.signal.addEventListener("abort", done, { once: true });
      availability.whenUp().then(done, done);
    });
  }

  /** Waits `ms`, or less when the runner stops. */
  sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.abort.signal.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      this.abort.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  async drain(timeoutMs = 30_000): Promise<void> {
    if (this.stopping) throw new Error(`stream runner ${this.options.name} is stopped`);
    const since = Date.now();
    const deadline = since + timeoutMs;
    await this.discover();
    for (;;) {
      const workers = [...this.workers.values()];
      if (workers.every((w) => w.drained(since))) return;
      if (this.stopping) throw new Error(`stream runner ${this.options.name} stopped while draining`);
      if (Date.now() > deadline) {
        const busy = workers
          .filter((w) => !w.drained(since))
          .map(
            (w) =>
              `${w.id} (${w.buffer.length} records waiting${this.mayStart(w.info) ? "" : ", parent unfinished"})`,
          );
        throw new Error(
          `stream ${this.options.name} did not drain within ${timeoutMs} ms: ${busy.join(", ")}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(20, this.options.pollIntervalMs)));
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearTimeout(this.discoveryTimer);
    this.abort.abort();
    await this.discovering?.catch(() => undefined);
    await Promise.all([...this.running]);
    this.streams.destroy();
    this.db.destroy();
  }
}

async function latestStreamArn(db: DynamoDBClient, tableName: string): Promise<string> {
  const { Table } = await db.send(new DescribeTableCommand({ TableName: tableName }));
  if (!Table?.StreamSpecification?.StreamEnabled || !Table.LatestStreamArn) {
    throw new Error(
      `Table ${tableName} has no stream. Create it with StreamSpecification ` +
        `{ StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" }.`,
    );
  }
  return Table.LatestStreamArn;
}

/**
 * Runs a DynamoDB Streams → Lambda event source mapping locally: polls every shard of the table's
 * latest stream (parents before children, new shards as they open) and invokes `handler` in process
 * with real `DynamoDBStreamEvent` batches, following Lambda's rules for batch size, batching window,
 * filtering, retries, bisection, partial batch responses, maximum record age and the on-failure
 * destination (`<stateDir>/<name>.dlq.jsonl`). Progress is checkpointed per shard in
 * `<stateDir>/<name>.checkpoint.json`; a restart resumes after it (TRIM_HORIZON when there is none).
 *
 * Delivery is at least once, as in Lambda: a batch whose handler finished but whose checkpoint was not
 * written yet (crash, kill -9) is delivered again. Handlers must be idempotent.
 *
 * @example
 * const runner = await startStreamRunner(
 *   { endpoint, tableName: "orders", name: "order-stream", stateDir: ".meridian/streams",
 *     filters: [{ eventName: ["INSERT"] }], reportBatchItemFailures: true, maximumRetryAttempts: 3 },
 *   handler,
 * );
 * await runner.drain();
 * await runner.stop();
 */
export async function startStreamRunner(
  options: StreamRunnerOptions,
  handler: DynamoDBStreamHandler,
): Promise<StreamRunner> {
  const resolved = resolveOptions(options);
  if (typeof handler !== "function") throw new TypeError("startStreamRunner needs a handler function");
  const clientConfig = {
    endpoint: resolved.endpoint,
    region: "us-east-1",
    // DynamoDB Local accepts any credentials; given ones keep the sandbox independent of ~/.aws.
    credentials: { ...(resolved.credentials ?? LOCAL_CREDENTIALS) },
    // Local tooling's budget: a stalled engine fails a poll after 15 s, and the shard's backoff takes over.
    ...clientBudget(BUDGETS.tooling.call),
  };
  const db = new DynamoDBClient(clientConfig);
  const streams = new DynamoDBStreamsClient(clientConfig);
  let runner: Runner;
  try {
    const streamArn = await latestStreamArn(db, resolved.tableName);
    const file = resolved.stateDir ? checkpointPath(resolved.stateDir, resolved.name) : undefined;
    runner = new Runner(resolved, handler, db, streams, streamArn, new CheckpointStore(file, streamArn));
    await runner.discover();
  } catch (error) {
    streams.destroy();
    db.destroy();
    throw error;
  }
  runner.start();
  return {
    streamArn: runner.streamArn,
    discarded: runner.discarded,
    stop: () => runner.stop(),
    drain: (timeoutMs) => runner.drain(timeoutMs),
  };
}
