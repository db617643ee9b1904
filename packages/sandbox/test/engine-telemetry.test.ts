import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { createDocumentClient } from "@meridian/adapters";
import { afterEach, describe, expect, it } from "vitest";
import { startDynamoDbLocal } from "../src/dynamodb/index.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** What DynamoDB Local writes into its working directory when telemetry is on: an installation id. */
const METADATA = "dynamodb-local-metadata.json";

describe("the sandbox's DynamoDB Local", () => {
  it("starts with -disableTelemetry, so it writes no installation id and sends nothing", async () => {
    // Prepare: a data folder of its own (the engine's working directory, where the metadata file would go).
    const dbPath = mkdtempSync(join(tmpdir(), "meridian-telemetry-"));
    cleanups.push(() => rmSync(dbPath, { recursive: true, force: true }));

    // Act
    const engine = await startDynamoDbLocal({ dbPath });
    cleanups.push(() => engine.stop());
    const db = createDocumentClient({ endpoint: engine.endpoint });
    cleanups.push(() => db.destroy());
    await db.send(
      new CreateTableCommand({
        TableName: "telemetry",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      }),
    );

    // Assess: the JVM's own command line carries the flag, and the engine kept its metadata file unwritten
    // (without the flag it writes {"installationId": …, "telemetryEnabled": "true"} at start-up).
    const commandLine = readFileSync(`/proc/${engine.pid}/cmdline`, "utf8").split("\0");
    expect(commandLine).toContain("-disableTelemetry");
    expect(readdirSync(dbPath).length).toBeGreaterThan(0);
    expect(existsSync(join(dbPath, METADATA))).toBe(false);
    expect(existsSync(join(process.cwd(), METADATA))).toBe(false);
  });
});
