import { type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { createDocumentClient, DynamoApiKeyStore, ensureTables, tableNames } from "@meridian/adapters";
import {
  ApiKeyHasher,
  createApiKey,
  createLogger,
  generateApiKey,
  retireAppSecret,
  rotateAppSecret,
  systemClock,
} from "@meridian/core";
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

/** The app as a function with `appSecret` would build it, on this file's tables, counted like `app`. */
function appWith(appSecret: string) {
  return createMeridianApp(
    {
      tables: names,
      appSecret,
      dynamodbEndpoint: inject("dynamodbEndpoint"),
      apiKeyCacheTtlMs: 30_000,
      jwt: { issuer: "http://127.0.0.1:9/issuer", audience: "test-client", adminGroup: "admin" },
    },
    {
      clientIp: () => "192.0.2.1",
      logger: createLogger({ service: "http", sink: () => undefined }),
      tracing: counting,
    },
  );
}

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
  app = appWith(APP_SECRET);
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

describe("rotating the app secret (plain, then version 2 added, then version 1 retired)", () => {
  const rotated = rotateAppSecret(APP_SECRET);
  const retired = retireAppSecret(rotated, "1");
  // Each app holds its own key cache, as each execution environment does: the second one's first request
  // for a key is a read.
  const post = (on: ReturnType<typeof createMeridianApp>, key: string) =>
    on.request("/epoch", { method: "POST", headers: { "x-api-key": key } });
  const list = (on: ReturnType<typeof createMeridianApp>, key: string, cursor?: string) =>
    on.request(`/epochs?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, {
      headers: { "x-api-key": key },
    });

  /** A key issued by `npm run apikey -- create` while the secret is `secret`. */
  async function issue(secret: string, name: string) {
    const db = createDocumentClient({ endpoint: inject("dynamodbEndpoint") });
    try {
      const apiKeys = new DynamoApiKeyStore(db, names.apiKeys);
      return await createApiKey({ apiKeys, hasher: new ApiKeyHasher(secret), clock: systemClock }, { name });
    } finally {
      db.destroy();
    }
  }

  it("accepts a key issued under version 1 after the rotation, with one read", async () => {
    // Prepare
    const { key } = await issue(APP_SECRET, "before rotation");
    const after = appWith(rotated);

    // Act
    const res = await post(after, key);

    // Assess
    expect(res.status).toBe(201);
    expect(keyReads()).toBe(1);
  });

  it("issues a new key under version 2: mrd2_, and its item says pepper 2", async () => {
    // Prepare
    const after = appWith(rotated);

    // Act
    const { key, summary } = await issue(rotated, "after rotation");
    const res = await post(after, key);

    // Assess
    expect(key).toMatch(/^mrd2_/);
    expect(res.status).toBe(201);
    expect(keyReads()).toBe(1);
    const db = createDocumentClient({ endpoint: inject("dynamodbEndpoint") });
    const { Item } = await db.send(
      new GetItemCommand({ TableName: names.apiKeys, Key: { id: { S: summary.id } }, ConsistentRead: true }),
    );
    db.destroy();
    expect(Item?.pepper).toEqual({ S: "2" });
  });

  it("refuses a key on the retired version with 401, without a read, and keeps version 2 keys working", async () => {
    // Prepare
    const { key: old } = await issue(APP_SECRET, "retired");
    const { key: current } = await issue(rotated, "kept");
    const afterRetiring = appWith(retired);
    sent.length = 0;

    // Act
    const refused = await post(afterRetiring, old);
    const readsForRefused = keyReads();
    const accepted = await post(afterRetiring, current);

    // Assess
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ error: { code: "API_KEY_INVALID" } });
    expect(readsForRefused).toBe(0);
    expect(accepted.status).toBe(201);
  });

  it("still verifies a cursor issued before the rotation, and refuses one signed with a retired version", async () => {
    // Prepare: two epochs, so a page of one has a next cursor
    const { key } = await issue(rotated, "pager");
    const before = appWith(APP_SECRET);
    const after = appWith(rotated);
    const afterRetiring = appWith(retired);
    for (let i = 0; i < 2; i++) expect((await post(after, key)).status).toBe(201);
    const page = (await (await list(before, validKey)).json()) as { nextCursor: string | null };
    const oldCursor = page.nextCursor ?? "";
    const newCursor =
      ((await (await list(after, key)).json()) as { nextCursor: string | null }).nextCursor ?? "";

    // Act
    const acceptedAfter = await list(after, key, oldCursor);
    const refusedAfterRetiring = await list(afterRetiring, key, oldCursor);
    const newAfterRetiring = await list(afterRetiring, key, newCursor);

    // Assess
    expect(oldCursor).not.toBe("");
    expect(acceptedAfter.status).toBe(200);
    expect(refusedAfterRetiring.status).toBe(400);
    expect(await refusedAfterRetiring.json()).toMatchObject({ error: { code: "INVALID_CURSOR" } });
    expect(newAfterRetiring.status).toBe(200);
  });
});
