import {
  type DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type GetShardIteratorCommandInput,
} from "@aws-sdk/client-dynamodb-streams";
import { applyRetryPolicy, type BatchIo, type BatchPolicy } from "./batch.ts";
import type { CheckpointStore } from "./checkpoint.ts";
import type { DiscardCondition } from "./destination.ts";
import type { InvokeResult } from "./invoke.ts";
import type { ResolvedOptions } from "./options.ts";
import { compareSequenceNumbers, type LambdaStreamRecord, toLambdaRecord } from "./records.ts";
import type { ShardInfo } from "./shards.ts";

/** Lambda invokes with at most 6 MB of records. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
/** GetRecords returns at most 1000 records per call. */
const READ_LIMIT = 1000;
export const MAX_BACKOFF_MS = 5_000;
/**
 * DynamoDB rounds ApproximateCreationDateTime down to the second; DynamoDB Local rounds it down to the
 * minute. A record was written within this many seconds after its timestamp.
 */
const TIMESTAMP_GRANULARITY_S = 60;

/**
 * What a shard worker needs from the runner that owns it. The worker reads its shard, batches and
 * checkpoints; the runner owns what is shared by all shards: the clients, the shard list, the function
 * and its destination, waiting (stop and database outages) and error reporting.
 */
export interface ShardHost {
  readonly options: Pick<
    ResolvedOptions,
    "pollIntervalMs" | "batchSize" | "maximumBatchingWindowSeconds" | "availability"
  >;
  readonly streamArn: string;
  readonly streams: DynamoDBStreamsClient;
  readonly checkpoints: CheckpointStore;
  readonly policy: BatchPolicy;
  /** True once the runner is stopping: the worker ends its loop. */
  readonly stopping: boolean;
  /** Whether a record passes the mapping's filters (otherwise it is consumed without being delivered). */
  matches(record: unknown): boolean;
  /** Whether the shard may be processed now (its parent is finished or gone). */
  mayStart(shard: ShardInfo): boolean;
  /** Waits while the database is down, or until the runner stops. */
  untilAvailable(): Promise<void>;
  /** Waits `ms`, or less when the runner stops. */
  sleep(ms: number): Promise<void>;
  reportError(error: unknown, where: string): void;
  /** Invokes the function with a batch of this shard; throws {@link Stopped} when stopped meanwhile. */
  invoke(shardId: string, records: LambdaStreamRecord[], invokeCount: number): Promise<InvokeResult>;
  /** Sends records of this shard to the on-failure destination. */
  discard(
    shardId: string,
    records: LambdaStreamRecord[],
    condition: DiscardCondition,
    approximateInvokeCount: number,
    lastResult: InvokeResult | undefined,
  ): void;
  /** The shard is closed and done: its children may be listed already, so look now. */
  shardFinished(shardId: string): void;
}

interface Buffered {
  record: LambdaStreamRecord;
  matches: boolean;
  bytes: number;
  readAt: number;
}

/** The runner stopped under a step: the worker ends without checkpointing what is in flight. */
export class Stopped extends Error {}

/** Polls one shard, one batch at a time, in sequence order, and checkpoints what is done. */
export class ShardWorker {
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
  private readonly io: BatchIo;

  constructor(
    readonly info: ShardInfo,
    private readonly host: ShardHost,
  ) {
    this.finished = host.checkpoints.get(info.shardId)?.finished === true;
    this.io = this.batchIo();
  }

  get id(): string {
    return this.info.shardId;
  }

  /** Finished, or found nothing new in a read that started at or after `since`, with nothing waiting. */
  drained(since: number): boolean {
    return this.finished || (this.buffer.length === 0 && (this.caughtUpAt ?? -1) >= since);
  }

  async run(): Promise<void> {
    const r = this.host;
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
    const r = this.host;
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
    const r = this.host;
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
    const r = this.host;
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
    const { batchSize } = this.host.options;
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
    const { batch, consumed } = this.takeBatch();
    const lastConsumed = this.buffer[consumed - 1]?.record;
    if (batch.length > 0) {
      const outcome = await applyRetryPolicy(batch, this.host.policy, this.io);
      // Stopped mid-batch: nothing more is checkpointed; the batch is delivered again on the next start.
      if (outcome === "stopped") throw new Stopped();
    }
    this.buffer.splice(0, consumed);
    if (lastConsumed) this.host.checkpoints.advance(this.id, lastConsumed.dynamodb.SequenceNumber);
  }

  private batchIo(): BatchIo {
    const host = this.host;
    const shardId = this.id;
    return {
      invoke: (records, invokeCount) => host.invoke(shardId, records, invokeCount),
      checkpoint: (record) => host.checkpoints.advance(shardId, record.dynamodb.SequenceNumber),
      discard: (records, condition, approximateInvokeCount, lastResult) =>
        host.discard(shardId, records, condition, approximateInvokeCount, lastResult),
      sleep: (ms) => host.sleep(ms).then(() => !host.stopping),
      stopped: () => host.stopping,
      nowMs: () => Date.now(),
      // The latest moment the record can have been written: never discards a record early, and is
      // precise for records read as they arrive despite the coarse timestamps of DynamoDB Local.
      createdAtMs: (record) =>
        Math.min(
          this.readAt.get(record) ?? Number.POSITIVE_INFINITY,
          (Math.floor(record.dynamodb.ApproximateCreationDateTime) + TIMESTAMP_GRANULARITY_S) * 1000,
        ),
    };
  }

  private finish(): void {
    this.finished = true;
    this.host.checkpoints.finish(this.id);
    this.host.shardFinished(this.id);
  }
}
