import { type AttributeValue, type DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  DependencyUnavailableError,
  type Epoch,
  type EpochStore,
  type IdempotencyToken,
} from "@meridian/core";
import { dynamo, putNew } from "./errors.ts";
import { writeIdempotent } from "./idempotency.ts";
import { tableDefinitions } from "./tables.ts";

/**
 * Epochs live in write shards so that 10,000 writes/s never exceed one partition's 1,000 WCU
 * (see docs/data-model.md). The shard is the id's last hex digit (random bits of the UUIDv7), so a
 * GetItem finds an epoch from its id alone. Changing SHARD_COUNT means migrating the data.
 */
export const SHARD_COUNT = 16;

export function shardKey(id: string): string {
  return `EPOCH#${id.at(-1)}`;
}

const SHARD_DIGITS = Array.from({ length: SHARD_COUNT }, (_, n) => n.toString(16));

export const ALL_SHARDS = SHARD_DIGITS.map((digit) => `EPOCH#${digit}`);

/**
 * The `byKey` index's partition key of an epoch recorded with API key `keyId`: the key id and the same shard
 * digit, so one busy key spreads over 16 index partitions as the table does (an index partition that falls
 * behind throttles the table's writes). Visits (no key) have none and stay out of the sparse index.
 */
export function keyShard(keyId: string, epochId: string): string {
  return `${keyId}#${epochId.at(-1)}`;
}

const KEY_INDEX = tableDefinitions.epochs.indexes.byKey;

type EpochItem = {
  pk: string;
  sk: string;
  epoch: number;
  ip: string;
  label?: string;
  keyShard?: string;
};

function toItem(epoch: Epoch, keyId: string | undefined): EpochItem {
  const item: EpochItem = {
    pk: shardKey(epoch.id),
    sk: epoch.id,
    epoch: epoch.epoch,
    ip: epoch.ip,
    label: epoch.label,
  };
  if (keyId !== undefined) item.keyShard = keyShard(keyId, epoch.id);
  return item;
}

function fromItem(item: Record<string, unknown>): Epoch {
  const epoch: Epoch = { id: String(item.sk), epoch: Number(item.epoch), ip: String(item.ip) };
  if (typeof item.label === "string") epoch.label = item.label;
  return epoch;
}

export interface EpochStoreOptions {
  /**
   * Client for the hot-path PutItem, from `createCommandClient` (the SDK reuses each command's resolved
   * middleware). Default: the document client.
   */
  commands?: DynamoDBClient;
  nowMs?: () => number;
}

export class DynamoEpochStore implements EpochStore {
  private readonly commands: Pick<DynamoDBClient, "send">;
  private readonly nowMs: () => number;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: EpochStoreOptions = {},
  ) {
    this.commands = options.commands ?? db;
    this.nowMs = options.nowMs ?? Date.now;
  }

  /** The hot path (10,000/s by design): the item is marshalled by hand and sent as a plain PutItem. */
  async put(epoch: Epoch, keyId?: string): Promise<void> {
    const Item: Record<string, AttributeValue> = {
      pk: { S: shardKey(epoch.id) },
      sk: { S: epoch.id },
      epoch: { N: String(epoch.epoch) },
      ip: { S: epoch.ip },
    };
    if (epoch.label !== undefined) Item.label = { S: epoch.label };
    if (keyId !== undefined) Item.keyShard = { S: keyShard(keyId, epoch.id) };
    await putNew(() =>
      this.commands.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item,
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
  }

  async putOnce(
    epoch: Epoch,
    token: IdempotencyToken,
    keyId?: string,
  ): Promise<{ epoch: Epoch; replayed: boolean }> {
    const { recordId, replayed } = await writeIdempotent(this.db, {
      tableName: this.tableName,
      keyAttribute: "pk",
      sortKey: { sk: "IDEM" },
      write: { Put: { Item: toItem(epoch, keyId) } },
      recordId: epoch.id,
      token,
      nowMs: this.nowMs(),
    });
    if (!replayed) return { epoch, replayed };
    const first = await this.get(recordId);
    if (!first) throw new DependencyUnavailableError("database");
    return { epoch: first, replayed };
  }

  async get(id: string): Promise<Epoch | undefined> {
    const { Item } = await dynamo(() =>
      this.db.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: shardKey(id), sk: id },
          ConsistentRead: true,
        }),
      ),
    );
    return Item ? fromItem(Item) : undefined;
  }

  /** Queries every shard newest-first (in parallel) and merges: no Scan, strongly consistent. */
  listNewest(limit: number, beforeId?: string): Promise<Epoch[]> {
    return this.mergeShards(ALL_SHARDS, { key: "pk", sort: "sk" }, limit, beforeId);
  }

  /** The same merge over the key's 16 partitions of the `byKey` index: eventually consistent, as any GSI. */
  listNewestByKey(keyId: string, limit: number, beforeId?: string): Promise<Epoch[]> {
    const shards = SHARD_DIGITS.map((digit) => `${keyId}#${digit}`);
    return this.mergeShards(
      shards,
      { index: "byKey", key: KEY_INDEX.partitionKey, sort: KEY_INDEX.sortKey },
      limit,
      beforeId,
    );
  }

  private async mergeShards(
    partitions: string[],
    on: { index?: string; key: string; sort: string },
    limit: number,
    beforeId: string | undefined,
  ): Promise<Epoch[]> {
    const pages = await Promise.all(
      partitions.map((partition) =>
        dynamo(() =>
          this.db.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: on.index,
              KeyConditionExpression: beforeId ? "#pk = :pk AND #sk < :before" : "#pk = :pk",
              ExpressionAttributeNames: beforeId ? { "#pk": on.key, "#sk": on.sort } : { "#pk": on.key },
              ExpressionAttributeValues: beforeId
                ? { ":pk": partition, ":before": beforeId }
                : { ":pk": partition },
              ScanIndexForward: false,
              // A global secondary index cannot be read consistently.
              ConsistentRead: on.index === undefined,
              Limit: limit,
            }),
          ),
        ),
      ),
    );
    return pages
      .flatMap((page) => page.Items ?? [])
      .sort((a, b) => (a.sk < b.sk ? 1 : a.sk > b.sk ? -1 : 0))
      .slice(0, limit)
      .map(fromItem);
  }

  async ping(): Promise<void> {
    await dynamo(() =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key: { pk: "HEALTH", sk: "HEALTH" } })),
    );
  }
}
