import { describe, expect, it } from "vitest";
import { mayStart, type ShardInfo } from "../../src/streams/shards.ts";

describe("shard lineage", () => {
  const parent: ShardInfo = { shardId: "shard-1", endingSequenceNumber: "100" };
  const child: ShardInfo = { shardId: "shard-2", parentShardId: "shard-1" };
  const orphan: ShardInfo = { shardId: "shard-3", parentShardId: "shard-0" };
  const known = new Map([parent, child, orphan].map((s) => [s.shardId, s]));

  it("starts a child only after its parent is finished", () => {
    expect(mayStart(parent, known, () => false)).toBe(true);
    expect(mayStart(child, known, () => false)).toBe(false);
    expect(mayStart(child, known, (id) => id === "shard-1")).toBe(true);
  });

  it("starts a shard whose parent is no longer listed (trimmed)", () => {
    expect(mayStart(orphan, known, () => false)).toBe(true);
  });
});
