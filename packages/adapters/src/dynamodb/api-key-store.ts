import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ApiKeyRecord, ApiKeyStore } from "@meridian/core";
import { dynamo } from "./errors.ts";

function fromItem(item: Record<string, unknown>): ApiKeyRecord {
  const record: ApiKeyRecord = {
    id: String(item.id),
    name: String(item.name),
    hash: String(item.hash),
    createdAt: String(item.createdAt),
  };
  if (typeof item.revokedAt === "string") record.revokedAt = item.revokedAt;
  return record;
}

/** API keys by id (derived from the key's hash), so authenticating a request is one GetItem. */
export class DynamoApiKeyStore implements ApiKeyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

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
      this.db.send(new GetCommand({ TableName: this.tableName, Key: { id } })),
    );
    return Item ? fromItem(Item) : undefined;
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
