import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createCommandClient,
  createDocumentClient,
  DynamoApiKeyStore,
  ensureTables,
  type TableNames,
  tableNames,
} from "../src/index.ts";

let names: TableNames;
const endpoint = inject("dynamodbEndpoint");
const document = createDocumentClient({ endpoint });
const commands = createCommandClient({ endpoint }, document);

beforeAll(async () => {
  names = tableNames(`adapters-keys-${process.pid}-${Date.now().toString(36)}`);
  await ensureTables(document, names);
});

afterAll(() => document.destroy());

describe("DynamoApiKeyStore and the app secret version of each key", () => {
  it("stores the version a key was hashed with and reads it back by id and in the listing", async () => {
    // Prepare
    const store = new DynamoApiKeyStore(document, names.apiKeys, { commands });
    const record = { id: "key_v2", name: "new", hash: "ab".repeat(32), pepper: "2", createdAt: "2025-01-01" };

    // Act
    await store.create(record);
    const found = await store.findById("key_v2");
    const listed = (await store.list()).find((r) => r.id === "key_v2");

    // Assess
    expect(found).toEqual(record);
    expect(listed).toEqual(record);
  });

  it("reads an item written before versions existed without a pepper (version 1 to the core)", async () => {
    // Prepare
    const store = new DynamoApiKeyStore(document, names.apiKeys, { commands });
    const legacy = { id: "key_legacy", name: "old", hash: "cd".repeat(32), createdAt: "2024-01-01" };
    await document.send(new PutCommand({ TableName: names.apiKeys, Item: legacy }));

    // Act
    const found = await store.findById("key_legacy");

    // Assess
    expect(found).toEqual(legacy);
    expect(found).not.toHaveProperty("pepper");
  });
});
