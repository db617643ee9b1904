import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  type TableDescription,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from "@aws-sdk/client-dynamodb";
import { createTableInputs, type TableNames, timeToLiveInputs } from "./tables.ts";

const ready = (table: TableDescription | undefined) =>
  table?.TableStatus === "ACTIVE" &&
  (table.GlobalSecondaryIndexes ?? []).every((index) => index.IndexStatus === "ACTIVE");

const pending = (table: TableDescription | undefined) =>
  table?.TableStatus !== "ACTIVE"
    ? `table still ${table?.TableStatus ?? "missing"}`
    : (table.GlobalSecondaryIndexes ?? [])
        .filter((index) => index.IndexStatus !== "ACTIVE")
        .map((index) => `index ${index.IndexName} still ${index.IndexStatus}`)
        .join(", ");

/**
 * Creates the tables that do not exist yet, adds the indexes a table made by an older version lacks (one at a
 * time, as DynamoDB requires; the index is built from the items already there), and waits until every table
 * and index is active, at most `timeoutMs`: then it fails naming the table and index still not active. Safe to
 * run at every start.
 */
export async function ensureTables(
  client: DynamoDBClient,
  names: TableNames,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    createTableInputs(names).map(async (input) => {
      try {
        await client.send(new CreateTableCommand(input));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      for (;;) {
        const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
        if (ready(Table)) {
          const have = new Set((Table?.GlobalSecondaryIndexes ?? []).map((index) => index.IndexName));
          const missing = (input.GlobalSecondaryIndexes ?? []).find((index) => !have.has(index.IndexName));
          if (!missing) break;
          await client.send(
            new UpdateTableCommand({
              TableName: input.TableName,
              AttributeDefinitions: input.AttributeDefinitions,
              GlobalSecondaryIndexUpdates: [{ Create: missing }],
            }),
          );
        }
        if (Date.now() > deadline)
          throw new Error(`${input.TableName}: ${pending(Table)} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }),
  );
  // The tables whose definitions expire short-lived records (idempotency, see writeIdempotent).
  for (const input of timeToLiveInputs(names)) {
    await client.send(new UpdateTimeToLiveCommand(input)).catch((error: unknown) => {
      // Enabling TTL twice is refused; that is the state we want.
      if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
    });
  }
}
