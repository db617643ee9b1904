import { DescribeTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
} from "@aws-sdk/client-dynamodb-streams";
import { clientBudget, LOCAL_CREDENTIALS } from "@meridian/adapters";
import { BUDGETS } from "@meridian/core";
import type { DynamoDBStreamHandler } from "aws-lambda";
import { type BatchIo, type BatchPolicy, processBatch } from "./batch.ts";
import { CheckpointStore, checkpointPath } from "./checkpoint.ts";
import { appendToDlq, dlqPath, failureRecord, type StreamFailureRecord } from "./destination.ts";
import { compileFilters } from "./filter.ts";
import { type InvokeResult, invokeHandler } from "./invoke.ts";
import {
  type InvokeInfo,
  type ResolvedOptions,
  resolveOptions,
  type StreamRunnerOptions,
} from "./options.ts";
import { compareSequenceNumbers, type LambdaStreamRecord, toLambdaRecord } from "./records.ts";
import { mayStart, type ShardInfo } from "./shards.ts";

/** Lambda invokes with at most 6 MB of records. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** GetRecords returns at most 1000 records per call. */
const READ_LIMIT = 1000;
const MAX_BACKOFF_MS = 5_000;
/**
 * DynamoDB rounds ApproximateCreationDateTime down to the second; DynamoDB Local rounds it down to the
 * minute. A record was written within this many seconds after its timestamp.
 */
const TIMESTAMP_GRANULARITY_S = 60;

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

interface Buffered {
  record: LambdaStreamRecord;
  matches: boolean;
  bytes: number;
  readAt: number;
}

class Stopped extends Error {}

class ShardWorker {
  iterator: string | undefined;
  endOfShard = false;
  finished: boolean;
  buffer: Buffered[] = [];
  lastReadSequenceNumber: string | undefined;
  /** Start time of the last GetRecords that found nothing new while nothing was waiting. */
  caughtUpAt: number | undefined;
  failures = 0;
  /** When each buffered record was first read: it was written before that. */
  readonly readAt = new WeakMap<LambdaStreamRecord, number>();
  /** The saved position fell out of the stream's retention: restart from TRIM_HORIZON. */
  private trimmed = false;

  constructor(
    readonly info: ShardInfo,
    private readonly runner: Runner,
  ) {
    this.finished = runner.checkpoints.get(info.shardId)?.finished === true;
  }

  get id(): string {
    return this.info.shardId;
  }

  /** Finished, or found nothing new in a read that started at or after `since`, with nothing waiting. */
  drained(since: number): boolean {
    return this.finished || (this.buffer.length === 0 && (this.caughtUpAt ?? -1) >= since);
  }

  async run(): Promise<void> {
    const r = this.runner;
    while (!r.stopping && !this.finished) {
      if (!r.mayStart(this.info)) {
        await r.sleep(r.options.pollIntervalMs);
        continue;
      }
      await r.untilAvailable();
      const outages = r.options.availability?.outages();
      try {
        await this.step();
        this.failures = 0;
      } catch (error) {
        if (error instanceof Stopped || r.stopping) return;
        // The database went down under this step: wait for it (top of the loop) rather than back off, and
        // take a new iterator after the last record read (or the checkpoint): the old one may be gone.
        if (outages !== r.options.availability?.outages()) {
          this.iterator = undefined;
          continue;
        }
        this.failures++;
        const name = (error as { name?: string }).name;
        if (name === "ExpiredIteratorException") {
          this.iterator = undefined;
          continue;
        }
        if (name === "TrimmedDataAccessException") {
          // The position is older than the stream's retention; like Lambda, carry on from the oldest record.
          this.lastReadSequenceNumber = undefined;
          this.iterator = undefined;
          this.trimmed = true;
          // DynamoDB Local answers this once for a shard read right after its table is created; only
          // a repeat is worth a message.
          if (this.failures === 1) continue;
        }
        r.reportError(error, `shard ${this.id}`);
        await r.sleep(Math.min(MAX_BACKOFF_MS, r.options.pollIntervalMs * 2 ** this.failures));
      }
    }
  }

  private async step(): Promise<void> {
    const r = this.runner;
    const window = r.options.maximumBatchingWindowSeconds * 1000;
    const waiting = this.buffer.filter((b) => b.matches).length;
    if (!this.endOfShard && (this.buffer.length === 0 || (window > 0 && waiting < r.options.batchSize))) {
      const startedAt = Date.now();
      const read = await this.read();
      if (read === 0 && this.buffer.length === 0) {
        if (this.endOfShard) {
          this.finish();
        } else {
          this.caughtUpAt = startedAt;
          await r.sleep(r.options.pollIntervalMs);
        }
        return;
      }
    }
    if (this.buffer.length === 0) {
      if (this.endOfShard) this.finish();
      return;
    }
    const firstMatch = this.buffer.find((b) => b.matches);
    if (window > 0 && firstMatch && !this.endOfShard) {
      const matching = this.buffer.filter((b) => b.matches).length;
      const open = firstMatch.readAt + window - Date.now();
      if (matching < r.options.batchSize && open > 0) {
        await r.sleep(Math.min(open, r.options.pollIntervalMs));
        return;
      }
    }
    await this.processNextBatch();
  }

  private async read(): Promise<number> {
    const r = this.runner;
    if (!this.iterator) this.iterator = await this.acquireIterator();
    if (!this.iterator) return 0;
    const result = await r.streams.send(
      new GetRecordsCommand({ ShardIterator: this.iterator, Limit: READ_LIMIT }),
    );
    if (r.stopping) throw new Stopped();
    this.iterator = result.NextShardIterator ?? undefined;
    if (!this.iterator) this.endOfShard = true;
    const now = Date.now();
    const records = result.Records ?? [];
    for (const raw of records) {
      const record = toLambdaRecord(raw, r.streamArn);
      this.buffer.push({
        record,
        matches: r.matches(record),
        bytes: Buffer.byteLength(JSON.stringify(record)),
        readAt: now,
      });
      this.readAt.set(record, now);
      this.lastReadSequenceNumber = record.dynamodb.SequenceNumber;
    }
    if (records.length > 0) this.caughtUpAt = undefined;
    return records.length;
  }

  private async acquireIterator(): Promise<string | undefined> {
    const r = this.runner;
    const saved = this.trimmed ? undefined : r.checkpoints.get(this.id)?.sequenceNumber;
    const after = this.lastReadSequenceNumber ?? saved;
    const input: GetShardIteratorCommandInput = after
      ? {
          StreamArn: r.streamArn,
          ShardId: this.id,
          ShardIteratorType: "AFTER_SEQUENCE_NUMBER",
          SequenceNumber: after,
        }
      : { StreamArn: r.streamArn, ShardId: this.id, ShardIteratorType: "TRIM_HORIZON" };
    // A closed shard fully processed before a restart: nothing after its last record.
    const ending = this.info.endingSequenceNumber;
    if (after && ending && compareSequenceNumbers(after, ending) >= 0) {
      this.endOfShard = true;
      return undefined;
    }
    const result = await r.streams.send(new GetShardIteratorCommand(input));
    if (!result.ShardIterator) throw new Error(`GetShardIterator returned no iterator for ${this.id}`);
    return result.ShardIterator;
  }

  /**
   * Takes up to batchSize matching records (and at most 6 MB) from the head of the buffer. Records that
   * do not match the filters are consumed along the way without being delivered.
   */
  private takeBatch(): { batch: LambdaStreamRecord[]; consumed: number } {
    const { batchSize } = this.runner.options;
    const batch: LambdaStreamRecord[] = [];
    let bytes = 0;
    let consumed = 0;
    for (const entry of this.buffer) {
      if (entry.matches) {
        if (batch.length === batchSize) break;
        if (batch.length > 0 && bytes + entry.bytes > MAX_PAYLOAD_BYTES) break;
        batch.push(entry.record);
        bytes += entry.bytes;
      }
      consumed++;
    }
    return { batch, consumed };
  }

  private async processNextBatch(): Promise<void> {
    const r = this.runner;
    const { batch, consumed } = this.takeBatch();
    const lastConsumed = this.buffer[consumed - 1]?.record;
    if (batch.length > 0) {
      const outcome = await processBatch(batch, r.policy, r.batchIo(this));
      // Stopped mid-batch: nothing more is checkpointed; the batch is delivered again on the next start.
      if (outcome === "stopped") throw new Stopped();
    }
    this.buffer.splice(0, consumed);
    if (lastConsumed) r.checkpoints.advance(this.id, lastConsumed.dynamodb.SequenceNumber);
  }

  private finish(): void {
    this.finished = true;
    this.runner.checkpoints.finish(this.id);
    // Children of this shard may be listed already, or appear soon: look now rather than at the next tick.
    void this.runner.discover().catch((error) => this.runner.reportError(error, "DescribeStream"));
  }
}

class Runner {
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

  batchIo(worker: ShardWorker): BatchIo {
    const shardId = worker.id;
    return {
      invoke: (records, invokeCount) => this.invoke(shardId, records, invokeCount),
      checkpoint: (record) => this.checkpoints.advance(shardId, record.dynamodb.SequenceNumber),
      discard: (records, condition, approximateInvokeCount, lastResult) => {
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
      },
      sleep: (ms) => this.sleep(ms).then(() => !this.stopping),
      stopped: () => this.stopping,
      nowMs: () => Date.now(),
      // The latest moment the record can have been written: never discards a record early, and is
      // precise for records read as they arrive despite the coarse timestamps of DynamoDB Local.
      createdAtMs: (record) =>
        Math.min(
          worker.readAt.get(record) ?? Number.POSITIVE_INFINITY,
          (Math.floor(record.dynamodb.ApproximateCreationDateTime) + TIMESTAMP_GRANULARITY_S) * 1000,
        ),
    };
  }

  private async invoke(
    shardId: string,
    records: LambdaStreamRecord[],
    invokeCount: number,
  ): Promise<InvokeResult> {
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
