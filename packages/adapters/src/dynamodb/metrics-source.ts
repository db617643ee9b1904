import { ConditionalCheckFailedException, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { type MetricsSource, ORDER_STATUSES } from "@meridian/core";
import { ALL_SHARDS } from "./epoch-store.ts";
import { dynamo } from "./errors.ts";
import type { TableNames } from "./tables.ts";
import { TTL_ATTRIBUTE } from "./tables.ts";

/** The smallest and largest UUIDv7 of a millisecond: every id made in [from, to) sorts between them. */
function uuidV7Bound(ms: number, high: boolean): string {
  const hex = ms.toString(16).padStart(12, "0");
  return high
    ? `${hex.slice(0, 8)}-${hex.slice(8)}-7fff-bfff-ffffffffffff`
    : `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-000000000000`;
}

const MARKER_TTL_SECONDS = 7 * 24 * 60 * 60;

/** The metrics job's reads: COUNT queries per shard and per status, DescribeTable, one marker write. */
export class DynamoMetricsSource implements MetricsSource {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tables: TableNames,
  ) {}

  private async count(input: QueryCommandInput): Promise<number> {
    let total = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamo(() =>
        this.db.send(new QueryCommand({ ...input, Select: "COUNT", ExclusiveStartKey: start })),
      );
      total += page.Count ?? 0;
      start = page.LastEvaluatedKey;
    } while (start);
    return total;
  }

  async countEpochs(fromMs: number, toMs: number): Promise<number> {
    const counts = await Promise.all(
      ALL_SHARDS.map((pk) =>
        this.count({
          TableName: this.tables.epochs,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :lo AND :hi",
          ExpressionAttributeValues: {
            ":pk": pk,
            ":lo": uuidV7Bound(fromMs, false),
            ":hi": uuidV7Bound(toMs - 1, true),
          },
        }),
      ),
    );
    return counts.reduce((a, b) => a + b, 0);
  }

  async countOrdersByStatus(): Promise<Record<string, number>> {
    const entries = await Promise.all(
      ORDER_STATUSES.map(async (status) => {
        const n = await this.count({
          TableName: this.tables.orders,
          IndexName: "byStatus",
          KeyConditionExpression: "#s = :s",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":s": status },
        });
        return [status, n] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  async oldestPendingCreatedAt(): Promise<string | undefined> {
    const page = await dynamo(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.tables.orders,
          IndexName: "byStatus",
          KeyConditionExpression: "#s = :s",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":s": "PENDING" },
          ScanIndexForward: true,
          Limit: 1,
        }),
      ),
    );
    const first = page.Items?.[0];
    return typeof first?.createdAt === "string" ? first.createdAt : undefined;
  }

  async tableStats() {
    return Promise.all(
      Object.values(this.tables).map(async (table) => {
        const { Table } = await dynamo(() => this.db.send(new DescribeTableCommand({ TableName: table })));
        return { table, itemCount: Table?.ItemCount ?? 0, sizeBytes: Table?.TableSizeBytes ?? 0 };
      }),
    );
  }

  async claimInterval(startMs: number): Promise<boolean> {
    try {
      await dynamo(() =>
        this.db.send(
          new PutCommand({
            TableName: this.tables.epochs,
            Item: {
              pk: "METRICS#JOB",
              sk: new Date(startMs).toISOString(),
              [TTL_ATTRIBUTE]: Math.floor(startMs / 1000) + MARKER_TTL_SECONDS,
            },
            ConditionExpression: "attribute_not_exists(pk)",
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
