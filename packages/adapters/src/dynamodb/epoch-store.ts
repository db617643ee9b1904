import { createHash } from "node:crypto";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import {
  DependencyUnavailableError,
  type Epoch,
  type EpochStore,
  IdempotencyKeyReusedError,
  type IdempotencyToken,
} from "@meridian/core";
import { dynamo } from "./errors.ts";
import { TTL_ATTRIBUTE } from "./tables.ts";

/**
 * Epochs live in write shards so that 10,000 writes/s never exceed one partition's 1,000 WCU
 * (see docs/data-model.md). The shard is the id's last hex digit (random bits of the UUIDv7), so a
 * GetItem finds an epoch from its id alone. Changing SHARD_COUNT means migrating the data.
 */
export const SHARD_COUNT = 16;
const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export function shardKey(id: string): string {
  return `EPOCH#${id.at(-1)}`;
}

const ALL_SHARDS = Array.from({ length: SHARD_COUNT }, (_, n) => `EPOCH#${n.toString(16)}`);

interface EpochItem {
  pk: string;
  sk: string;
  epoch: number;
  ip: string;
  label?: string;
}

function toItem(epoch: Epoch): EpochItem {
  return { pk: shardKey(epoch.id), sk: epoch.id, epoch: epoch.epoch, ip: epoch.ip, label: epoch.label };
}

function fromItem(item: Record<string, unknown>): Epoch {
  const epoch: Epoch = { id: String(item.sk), epoch: Number(item.epoch), ip: String(item.ip) };
  if (typeof item.label === "string") epoch.label = item.label;
  return epoch;
}

export class DynamoEpochStore implements EpochStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async put(epoch: Epoch): Promise<void> {
    await dynamo(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(epoch),
          ConditionExpression: "attribute_not_exists(pk)",
        }),
      ),
    );
  }

  async putOnce(epoch: Epoch, token: IdempotencyToken): Promise<{ epoch: Epoch; replayed: boolean }> {
    const idemKey = {
      pk: `IDEM#${createHash("sha256").update(`${token.scope}\0${token.key}`).digest("base64url")}`,
      sk: "IDEM",
    };
    try {
      await dynamo(() =>
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.tableName,
                  Item: {
                    ...idemKey,
                    fingerprint: token.fingerprint,
                    epochId: epoch.id,
                    [TTL_ATTRIBUTE]: Math.floor(this.nowMs() / 1000) + IDEMPOTENCY_TTL_SECONDS,
                  },
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
              {
                Put: {
                  TableName: this.tableName,
                  Item: toItem(epoch),
                  ConditionExpression: "attribute_not_exists(pk)",
                },
              },
            ],
          }),
        ),
      );
      return { epoch, replayed: false };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      // The key was used before, or a concurrent request with the same key is committing: read the winner.
      const { Item } = await dynamo(() =>
        this.db.send(new GetCommand({ TableName: this.tableName, Key: idemKey, ConsistentRead: true })),
      );
      if (!Item) throw new DependencyUnavailableError("database", { cause: error });
      if (Item.fingerprint !== token.fingerprint) throw new IdempotencyKeyReusedError();
      const first = await this.get(String(Item.epochId));
      if (!first) throw new DependencyUnavailableError("database", { cause: error });
      return { epoch: first, replayed: true };
    }
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
  async listNewest(limit: number, beforeId?: string): Promise<Epoch[]> {
    const pages = await Promise.all(
      ALL_SHARDS.map((pk) =>
        dynamo(() =>
          this.db.send(
            new QueryCommand({
              TableName: this.tableName,
              KeyConditionExpression: beforeId ? "pk = :pk AND sk < :before" : "pk = :pk",
              ExpressionAttributeValues: beforeId ? { ":pk": pk, ":before": beforeId } : { ":pk": pk },
              ScanIndexForward: false,
              ConsistentRead: true,
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
