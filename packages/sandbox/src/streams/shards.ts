/** The part of DescribeStream's shard list that decides processing order. */
export interface ShardInfo {
  shardId: string;
  parentShardId?: string;
  /** Set when the shard is closed: no records will be added after it. */
  endingSequenceNumber?: string;
}

/**
 * Lambda processes a parent shard completely before its children, so that the records of one item
 * stay in order across a shard split. A shard may start when it has no parent, when its parent is no
 * longer listed (trimmed after 24 h), or when its parent is finished.
 */
export function mayStart(
  shard: ShardInfo,
  known: ReadonlyMap<string, ShardInfo>,
  finished: (id: string) => boolean,
) {
  if (!shard.parentShardId) return true;
  if (!known.has(shard.parentShardId)) return true;
  return finished(shard.parentShardId);
}
