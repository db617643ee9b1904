import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DeleteCommand, type DynamoDBDocumentClient, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { createDocumentClient } from "@meridian/adapters";
import type {
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  DynamoDBStreamHandler,
} from "aws-lambda";
import { inject } from "vitest";

export const endpoint = () => inject("dynamodbEndpoint");

export interface StreamTable {
  name: string;
  put(item: Record<string, unknown>): Promise<void>;
  update(pk: string, set: Record<string, unknown>): Promise<void>;
  remove(pk: string): Promise<void>;
  /** Puts items `${prefix}${i}` one after another (stream order = this order). */
  putMany(pks: string[], extra?: Record<string, unknown>): Promise<void>;
  drop(): Promise<void>;
}

/** A fresh table (pk/sk strings) with a NEW_AND_OLD_IMAGES stream on the run's DynamoDB Local. */
export async function createStreamTable(): Promise<StreamTable> {
  const name = `streams-${randomUUID().slice(0, 8)}`;
  const raw = new DynamoDBClient({
    endpoint: endpoint(),
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await raw.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
    }),
  );
  const db: DynamoDBDocumentClient = createDocumentClient({ endpoint: endpoint() });
  const put = async (item: Record<string, unknown>) => {
    await db.send(new PutCommand({ TableName: name, Item: { sk: "A", ...item } }));
  };
  return {
    name,
    put,
    update: async (pk, set) => {
      const names = Object.keys(set);
      await db.send(
        new UpdateCommand({
          TableName: name,
          Key: { pk, sk: "A" },
          UpdateExpression: `SET ${names.map((_, i) => `#n${i} = :v${i}`).join(", ")}`,
          ExpressionAttributeNames: Object.fromEntries(names.map((n, i) => [`#n${i}`, n])),
          ExpressionAttributeValues: Object.fromEntries(names.map((n, i) => [`:v${i}`, set[n]])),
        }),
      );
    },
    remove: async (pk) => {
      await db.send(new DeleteCommand({ TableName: name, Key: { pk, sk: "A" } }));
    },
    putMany: async (pks, extra = {}) => {
      for (const pk of pks) await put({ pk, ...extra });
    },
    drop: async () => {
      await raw.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
      db.destroy();
      raw.destroy();
    },
  };
}

export type Behaviour = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | undefined>;

/**
 * The function under the mapping: records every batch it is invoked with (a copy, in order) and then
 * behaves as told (succeeds by default).
 */
export function recorder(behaviour?: Behaviour) {
  const batches: DynamoDBRecord[][] = [];
  const times: number[] = [];
  const succeeded: DynamoDBRecord[][] = [];
  const handler: DynamoDBStreamHandler = async (event) => {
    batches.push(event.Records);
    times.push(Date.now());
    const response = await behaviour?.(event);
    const failures = response?.batchItemFailures ?? [];
    if (failures.length === 0) succeeded.push(event.Records);
    else {
      const first = event.Records.findIndex(
        (r) => r.dynamodb?.SequenceNumber === failures[0]?.itemIdentifier,
      );
      succeeded.push(event.Records.slice(0, Math.max(first, 0)));
    }
    return response;
  };
  return {
    handler,
    batches,
    /** Date.now() of every invocation. */
    times,
    /** pk of every delivered record, batch by batch. */
    keys: () => batches.map((batch) => batch.map(pkOf)),
    /** pk of records whose invocation succeeded (for partial responses: the ones before the failure). */
    processed: () => succeeded.flat().map(pkOf),
  };
}

export function pkOf(record: DynamoDBRecord): string {
  return record.dynamodb?.Keys?.pk?.S ?? "?";
}

export function hasKey(event: DynamoDBStreamEvent, pk: string): boolean {
  return event.Records.some((r) => pkOf(r) === pk);
}

export function tempDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "meridian-streams-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
