import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { CreateTableCommand, ListTablesCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { createDocumentClient, LOCAL_CREDENTIALS } from "@meridian/adapters";
import { afterEach, describe, expect, it } from "vitest";
import { startDynamoDbLocal } from "../src/dynamodb/index.ts";
import { writeRunningSandbox } from "../src/running.ts";
import { startSandbox } from "../src/sandbox.ts";
import { memoryLog } from "./support.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempHome(): string {
  const home = mkdtempSync(join(tmpdir(), "meridian-private-"));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  return home;
}

async function ownSandbox(home: string) {
  const sandbox = await startSandbox({
    port: 0,
    home,
    logSink: memoryLog(),
    metricsJobPeriodSeconds: 0,
    streams: false,
  });
  cleanups.push(() => sandbox.stop());
  return sandbox;
}

const tablesSeenWith = async (endpoint: string, credentials: typeof LOCAL_CREDENTIALS) => {
  const db = createDocumentClient({ endpoint, credentials });
  try {
    return (await db.send(new ListTablesCommand({}))).TableNames ?? [];
  } finally {
    db.destroy();
  }
};

describe("the sandbox's own DynamoDB Local", () => {
  it("opens its tables only to this home's own key: a stranger's key sees an empty database and changes nothing", async () => {
    const sandbox = await ownSandbox(tempHome());
    const stranger = createDocumentClient({ endpoint: sandbox.dynamodbEndpoint });
    cleanups.push(() => stranger.destroy());

    // The attack the review tried: un-revoke a key by removing its revokedAt.
    const flip = await stranger
      .send(
        new UpdateItemCommand({
          TableName: sandbox.config.tables.apiKeys,
          Key: { id: { S: "key_0123456789abcdef0123" } },
          UpdateExpression: "REMOVE revokedAt",
        }),
      )
      .catch((error: Error) => error);

    expect(sandbox.dynamodbCredentials.accessKeyId).not.toBe(LOCAL_CREDENTIALS.accessKeyId);
    expect(await tablesSeenWith(sandbox.dynamodbEndpoint, LOCAL_CREDENTIALS)).toEqual([]);
    expect(flip).toMatchObject({ name: "ResourceNotFoundException" });
    expect(await tablesSeenWith(sandbox.dynamodbEndpoint, sandbox.dynamodbCredentials)).toContain(
      sandbox.config.tables.apiKeys,
    );
  }, 60_000);

  it("keeps the key across restarts of the sandbox, and prints it for the AWS CLI with `npm run dynamodb:env`", async () => {
    const home = tempHome();
    const first = await ownSandbox(home);
    const key = first.dynamodbCredentials;
    await first.stop();
    const second = await ownSandbox(home);
    writeRunningSandbox(home, {
      pid: process.pid,
      url: second.url,
      dynamodbEndpoint: second.dynamodbEndpoint,
      dynamodbCredentials: second.dynamodbCredentials,
      tables: second.config.tables,
      appSecret: second.config.appSecret,
      issuerKey: second.issuerKey,
    });

    const cli = join(import.meta.dirname, "../src/cli/dynamodb-env.ts");
    const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", cli], {
      env: { ...process.env, MERIDIAN_HOME: home },
    });

    expect(second.dynamodbCredentials).toEqual(key);
    expect(stdout).toBe(
      [
        `export AWS_ENDPOINT_URL_DYNAMODB='${second.dynamodbEndpoint}'`,
        `export AWS_ACCESS_KEY_ID='${key.accessKeyId}'`,
        `export AWS_SECRET_ACCESS_KEY='${key.secretAccessKey}'`,
        "export AWS_REGION=us-east-1",
        "",
      ].join("\n"),
    );
  }, 60_000);

  it("takes over the data an earlier sandbox kept under the key `local`", async () => {
    const home = tempHome();
    const dbPath = join(home, "dynamodb");
    mkdirSync(dbPath);
    const legacy = await startDynamoDbLocal({ dbPath });
    const old = createDocumentClient({ endpoint: legacy.endpoint });
    await old.send(
      new CreateTableCommand({
        TableName: "kept-from-before",
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    old.destroy();
    await legacy.stop();

    const sandbox = await ownSandbox(home);

    expect(await tablesSeenWith(sandbox.dynamodbEndpoint, sandbox.dynamodbCredentials)).toContain(
      "kept-from-before",
    );
    expect(await tablesSeenWith(sandbox.dynamodbEndpoint, LOCAL_CREDENTIALS)).toEqual([]);
  }, 60_000);
});
