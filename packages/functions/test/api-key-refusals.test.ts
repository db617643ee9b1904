import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { createDocumentClient, DynamoApiKeyStore, ensureTables, tableNames } from "@meridian/adapters";
import { ApiKeyHasher, createApiKey, createLogger, generateApiKey, systemClock } from "@meridian/core";
import { createMeridianApp, noTracing, type Tracing } from "@meridian/functions";
import { afterEach, beforeAll, beforeEach, describe, expect, inject, it, vi } from "vitest";

const APP_SECRET = "api-key-refusals-test-secret-0123456789";

/** Every command the app's DynamoDB clients send, counted by a middleware on the real clients. */
const sent: { command: string; table?: string }[] = [];
const counting: Tracing = {
  ...noTracing,
  captureClient<C>(client: C): C {
    (client as unknown as DynamoDBClient).middlewareStack.add(
      (next, context) => async (args) => {
        sent.push({
          command: String(context.commandName),
          table: (args.input as { TableName?: string }).TableName,
        });
        return next(args);
      },
      { step: "initialize", name: "countCommandsForTest" },
    );
    return client;
  },
};
const keyReads = () => sent.filter((s) => s.command === "GetItemCommand" && s.table === names.apiKeys).length;

const names = tableNames(`fn-refusals-${process.pid}-${Date.now().toString(36)}`);
let app: ReturnType<typeof createMeridianApp>;
let validKey: string;

beforeAll(async () => {
  const endpoint = inject("dynamodbEndpoint");
  const db = createDocumentClient({ endpoint });
  await ensureTables(db, names);
  ({ key: validKey } = await createApiKey(
    {
      apiKeys: new DynamoApiKeyStore(db, names.apiKeys),
      hasher: new ApiKeyHasher(APP_SECRET),
      clock: systemClock,
    },
    { name: "refusals test" },
  ));
  db.destroy();
  app = createMeridianApp(
    {
      tables: names,
      appSecret: APP_SECRET,
      dynamodbEndpoint: endpoint,
      apiKeyCacheTtlMs: 30_000,
      jwt: { issuer: "http://127.0.0.1:9/issuer", audience: "test-client", adminGroup: "admin" },
    },
    {
      clientIp: () => "192.0.2.1",
      logger: createLogger({ service: "http", sink: () => undefined }),
      tracing: counting,
    },
  );
});

beforeEach(() => {
  sent.length = 0;
});

const postEpoch = (key: string) => app.request("/epoch", { method: "POST", headers: { "x-api-key": key } });

describe("POST /epoch refuses keys that cannot be ours without asking DynamoDB", () => {
  it.each([
    ["our prefix, too short", "mrd_not-a-real-key"],
    ["a real key with a character more", () => `${validKey}x`],
    ["a real key cut short", () => validKey.slice(0, -1)],
    ["a bearer token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl".repeat(4)],
    ["8 KiB of junk", "x".repeat(8_192)],
  ])("%s: 401 API_KEY_INVALID with the usual message, no command sent", async (_, key) => {
    // Act
    const res = await postEpoch(typeof key === "function" ? key() : key);

    // Assess
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: {
        code: "API_KEY_INVALID",
        message: "API key is unknown or revoked",
        requestId: expect.any(String),
      },
    });
    expect(sent).toEqual([]);
  });

  it("still reads a well-formed key's record (the counter sees the app's reads)", async () => {
    // Act
    const res = await postEpoch(generateApiKey());

    // Assess
    expect(res.status).toBe(401);
    expect(sent).toEqual([{ command: "GetItemCommand", table: names.apiKeys }]);
  });
});

describe("POST /epoch remembers unknown keys briefly, in bounded memory", () => {
  // The app's clock stands still, so only the bound, never the 5 s, can make it forget a key here.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("reads an unknown well-formed key once however often it is presented within 5 s", async () => {
    // Prepare
    const key = generateApiKey();

    // Act
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await postEpoch(key)).status);

    // Assess
    expect(statuses.every((s) => s === 401)).toBe(true);
    expect(keyReads()).toBe(1);
  });

  it("forgets the least recently seen after 1,000 others, and keeps serving an accepted key from its cache", async () => {
    // Prepare
    expect((await postEpoch(validKey)).status).toBe(201);
    const first = generateApiKey();
    const others = Array.from({ length: 1_000 }, () => generateApiKey());
    await postEpoch(first);
    for (const key of others) await postEpoch(key);
    sent.length = 0;

    // Act
    const last = await postEpoch(others.at(-1) ?? "");
    const readsForLast = keyReads();
    const valid = await postEpoch(validKey);
    const readsForValid = keyReads() - readsForLast;
    const again = await postEpoch(first);

    // Assess
    expect(last.status).toBe(401);
    expect(readsForLast).toBe(0);
    expect(valid.status).toBe(201);
    expect(readsForValid).toBe(0);
    expect(again.status).toBe(401);
    expect(keyReads()).toBe(1);
  }, 60_000);
});
