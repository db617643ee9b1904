import { CreateTableCommand, DescribeTableCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import {
  createDocumentClient,
  createTableInputs,
  DynamoEpochStore,
  ensureTables,
  tableNames,
} from "@meridian/adapters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DynamoDbLocal, startDynamoDbLocal } from "../src/dynamodb/index.ts";

// An engine of this file's own, as a sandbox home has: on the run's shared engine, after a few hundred other
// tables, DynamoDB Local can leave an index added to an existing table CREATING for good.
let engine: DynamoDbLocal;
let document: DynamoDBDocumentClient;
const names = tableNames("ensure");

beforeAll(async () => {
  engine = await startDynamoDbLocal();
  document = createDocumentClient({ endpoint: engine.endpoint });
});

afterAll(async () => {
  document?.destroy();
  await engine?.stop();
});

describe("ensureTables on a home made by an older version", () => {
  it("adds the byKey index the epochs table lacked, built from the items already there", async () => {
    // Prepare: the epochs table as it was before the index, holding an epoch written with a key.
    const [epochs] = createTableInputs(names);
    if (!epochs) throw new Error("no epochs table input");
    const { GlobalSecondaryIndexes: _index, ...withoutIndex } = epochs;
    await document.send(
      new CreateTableCommand({
        ...withoutIndex,
        AttributeDefinitions: withoutIndex.AttributeDefinitions?.filter(
          (a) => a.AttributeName !== "keyShard",
        ),
      }),
    );
    const id = "0190a000-0000-7000-8000-00000000000a";
    await document.send(
      new PutItemCommand({
        TableName: names.epochs,
        Item: {
          pk: { S: "EPOCH#a" },
          sk: { S: id },
          epoch: { N: "1.5" },
          ip: { S: "192.0.2.1" },
          keyShard: { S: "key_old#a" },
        },
      }),
    );

    // Act
    await ensureTables(document, names);
    await ensureTables(document, names); // and again: nothing left to add

    // Assess
    const { Table } = await document.send(new DescribeTableCommand({ TableName: names.epochs }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.IndexStatus])).toEqual([
      ["byKey", "ACTIVE"],
    ]);
    const listed = await new DynamoEpochStore(document, names.epochs).listNewestByKey("key_old", 10);
    expect(listed.map((epoch) => epoch.id)).toEqual([id]);
  });
});
