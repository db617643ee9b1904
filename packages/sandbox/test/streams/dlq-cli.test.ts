import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { appendToDlq, dlqPath, failureRecord } from "../../src/streams/destination.ts";
import type { LambdaStreamRecord } from "../../src/streams/records.ts";
import { tempDir } from "./support.ts";

const DLQ = fileURLToPath(new URL("../../src/cli/dlq.ts", import.meta.url));
const dirs: Array<() => void> = [];
afterAll(() => {
  for (const remove of dirs) remove();
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run dlq`'s program as a user would (a separate process). */
function dlq(args: string[], home: string): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", DLQ, ...args], {
    env: { ...process.env, MERIDIAN_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}

function homeWithFailures(mapping = "order-stream"): string {
  const { dir: home, remove } = tempDir();
  dirs.push(remove);
  const streams = join(home, "streams");
  mkdirSync(streams, { recursive: true });
  const record: LambdaStreamRecord = {
    eventID: "e1",
    eventName: "INSERT",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "ddblocal",
    eventSourceARN: "arn:aws:dynamodb:ddblocal:000000000000:table/orders/stream/2026-01-01T00:00:00.000",
    dynamodb: {
      ApproximateCreationDateTime: 1_790_000_000,
      Keys: { pk: { S: "o-1" } },
      SequenceNumber: "000000000000000000001",
    },
  };
  appendToDlq(
    dlqPath(streams, mapping),
    failureRecord({
      records: [record],
      shardId: "shardId-1",
      streamArn: record.eventSourceARN,
      condition: "RetryAttemptsExhausted",
      approximateInvokeCount: 3,
    }),
  );
  return home;
}

describe("npm run dlq", () => {
  it("lists, refuses to redrive without a sandbox, and names an unregistered handler", async () => {
    const withFailures = homeWithFailures();
    const { dir: empty, remove } = tempDir();
    dirs.push(remove);
    const withSandbox = homeWithFailures("legacy-stream");
    // A "running" sandbox (the file `npm start` writes; this test process is its live pid). The redrive
    // stops at the missing handler, before touching DynamoDB.
    writeFileSync(
      join(withSandbox, "sandbox.json"),
      JSON.stringify({ pid: process.pid, url: "http://127.0.0.1:1", dynamodbEndpoint: "http://127.0.0.1:1" }),
    );

    const [listed, nothing, noSandbox, unknown] = await Promise.all([
      dlq(["list", "--json"], withFailures),
      dlq(["list"], empty),
      dlq(["redrive", "--name", "order-stream"], withFailures),
      dlq(["redrive"], withSandbox),
    ]);

    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({
        mapping: "order-stream",
        condition: "RetryAttemptsExhausted",
        invokes: 3,
        records: 1,
        shard: "shardId-1",
      }),
    ]);
    expect(nothing).toMatchObject({ code: 0, stdout: expect.stringContaining("No failed stream batches") });
    expect(noSandbox.code).toBe(1);
    expect(noSandbox.stderr).toContain("start the sandbox first");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No stream handler is registered for "legacy-stream"');
    expect(unknown.stderr).toContain("packages/sandbox/src/streams/registry.ts");
  });
});
