import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface ShardCheckpoint {
  /** Last sequence number whose processing completed (invoked successfully, filtered out, or discarded). */
  sequenceNumber?: string;
  /** The shard is closed and every record of it is done: its children may start. */
  finished?: boolean;
}

export interface CheckpointFile {
  version: 1;
  streamArn: string;
  updatedAt: string;
  shards: Record<string, ShardCheckpoint>;
}

export function checkpointPath(stateDir: string, name: string): string {
  return join(stateDir, `${name}.checkpoint.json`);
}

/**
 * Where a mapping resumes: the last completed sequence number of each shard, written after every
 * completed batch to `<stateDir>/<name>.checkpoint.json` (temp file + rename, so a crash leaves either
 * the old or the new file, never half of one). Without a state directory it lives in memory only.
 *
 * Delivery is at least once, as with Lambda: if the process dies after the handler returned but before
 * the checkpoint is written, that batch is delivered again on the next start.
 */
export class CheckpointStore {
  private state: CheckpointFile;

  constructor(
    private readonly file: string | undefined,
    streamArn: string,
  ) {
    const saved = file ? readCheckpoint(file) : undefined;
    // A checkpoint of another stream (the table was re-created, e.g. DynamoDB Local in memory) does not
    // apply: its sequence numbers mean nothing here. Start over from TRIM_HORIZON.
    this.state =
      saved && saved.streamArn === streamArn
        ? saved
        : { version: 1, streamArn, updatedAt: new Date().toISOString(), shards: {} };
  }

  get(shardId: string): ShardCheckpoint | undefined {
    return this.state.shards[shardId];
  }

  /** Records that everything up to and including `sequenceNumber` is done. */
  advance(shardId: string, sequenceNumber: string): void {
    const shard = this.state.shards[shardId] ?? {};
    if (shard.sequenceNumber === sequenceNumber) return;
    shard.sequenceNumber = sequenceNumber;
    this.state.shards[shardId] = shard;
    this.save();
  }

  finish(shardId: string): void {
    const shard = this.state.shards[shardId] ?? {};
    if (shard.finished) return;
    shard.finished = true;
    this.state.shards[shardId] = shard;
    this.save();
  }

  private save(): void {
    this.state.updatedAt = new Date().toISOString();
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temp, `${JSON.stringify(this.state, null, 2)}\n`);
    renameSync(temp, this.file);
  }
}

export function readCheckpoint(file: string): CheckpointFile | undefined {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as CheckpointFile;
  if (parsed?.version !== 1 || typeof parsed.streamArn !== "string" || typeof parsed.shards !== "object") {
    throw new Error(`${file} is not a stream checkpoint file; move it away to start from TRIM_HORIZON`);
  }
  return parsed;
}
