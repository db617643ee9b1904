import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  createCommandClient,
  createDocumentClient,
  ensureTables,
  type TableNames,
  tableNames,
} from "../src/index.ts";

let names: TableNames;
const endpoint = inject("dynamodbEndpoint");
const document = createDocumentClient({ endpoint });
const commands = createCommandClient({ endpoint }, document);

beforeAll(async () => {
  names = tableNames(`adapters-cmd-${process.pid}-${Date.now().toString(36)}`);
  await ensureTables(document, names);
});

afterAll(() => document.destroy());

describe("the hot-path command client", () => {
  it("sends through the document client's connection pool", () => {
    expect(commands.config.requestHandler).toBe(document.config.requestHandler);
    expect(commands.config.cacheMiddleware).toBe(true);
  });

  it("sends each command's own input although the middleware is resolved once per command class", async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `cmd-${i}`);

    await Promise.all(
      ids.map((id) =>
        commands.send(
          new PutItemCommand({
            TableName: names.epochs,
            Item: { pk: { S: "T" }, sk: { S: id }, n: { S: id } },
          }),
        ),
      ),
    );

    for (const id of ids) {
      const { Item } = await commands.send(
        new GetItemCommand({ TableName: names.epochs, Key: { pk: { S: "T" }, sk: { S: id } } }),
      );
      expect(Item?.n?.S).toBe(id);
    }
  });
});
