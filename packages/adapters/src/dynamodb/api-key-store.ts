import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, PutCommand, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ApiKeyRecord, ApiKeyStore } from "@meridian/core";
import { dynamo } from "./errors.ts";

export interface ApiKeyStoreOptions {
  /**
   * Client for the lookup every uncached API key costs (a GetItem, marshalled by hand), from
   * `createCommandClient`: on a cold start it is the client the epoch write uses too, so the first
   * request resolves one client's set-up, not two. Default: the document client.
   */
  commands?: DynamoDBClient;
}

function fromItem(item: Record<string, unknown>): ApiKeyRecord {
  const record: ApiKeyRecord = {
    id: String(item.id),
    name: String(item.name),
    hash: String(item.hash),
    createdAt: String(item.createdAt),
  };
  if (typeof item.pepper === "string") record.pepper = item.pepper;
  if (typeof item.revokedAt === "string") record.revokedAt = item.revokedAt;
  return record;
}

/**
 * API keys by id (derived from the key's hash), so authenticating a request is one GetItem. Each item names
 * the app secret version its hash was made with (`pepper`; items made before versions existed have none,
 * which means "1"), so the keys still on a version can be counted before it is retired.
 */
export class DynamoApiKeyStore implements ApiKeyStore {
  private readonly commands: Pick<DynamoDBClient, "send">;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: ApiKeyStoreOptions = {},
  ) {
    this.commands = options.commands ?? db;
  }

  async create(record: ApiKeyRecord): Promise<void> {
    await dynamo(() =>
      this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: record,
          ConditionExpression: "attribute_not_exists(id)",
        }),
      ),
    );
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    const { Item } = await dynamo(() =>
      this.commands.send(new GetItemCommand({ TableName: this.tableName, Key: { id: { S: id } } })),
    );
    if (!Item) return undefined;
    const text = (name: string) => Item[name]?.S;
    return fromItem({
      id: text("id"),
      name: text("name"),
      hash: text("hash"),
      createdAt: text("createdAt"),
      pepper: text("pepper"),
      revokedAt: text("revokedAt"),
    });
  }

  /** Administrative listing for the CLI (a handful of keys); no request path calls it. */
  async list(): Promise<ApiKeyRecord[]> {
    const records: ApiKeyRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo(() =>
        this.db.send(
          new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: start, ConsistentRead: true }),
        ),
      );
      records.push(...(page.Items ?? []).map(fromItem));
      start = page.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async revoke(id: string, atIso: string): Promise<boolean> {
    try {
      await dynamo(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { id },
            UpdateExpression: "SET revokedAt = if_not_exists(revokedAt, :at)",
            ConditionExpression: "attribute_exists(id)",
            ExpressionAttributeValues: { ":at": atIso },
          }),
        ),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
