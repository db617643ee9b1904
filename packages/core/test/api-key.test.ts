import * as crypto from "node:crypto";
import {
  ApiKeyHasher,
  type ApiKeyRecord,
  type ApiKeyStore,
  authenticateApiKey,
  createApiKey,
  generateApiKey,
  generateApiKeyFor,
  isWellFormedApiKey,
  keyVersionOf,
  parseAppSecret,
  retireAppSecret,
  rotateAppSecret,
  UnauthorizedError,
  UnknownApiKeyCache,
  ValidationError,
} from "@meridian/core";
import { afterEach, describe, expect, it, vi } from "vitest";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

/** Test double of the ApiKeyStore port. */
class InMemoryApiKeyStore implements ApiKeyStore {
  readonly records = new Map<string, ApiKeyRecord>();
  /** Ids looked up, in order: what a DynamoDB store would have read. */
  readonly reads: string[] = [];

  async create(record: ApiKeyRecord): Promise<void> {
    if (this.records.has(record.id)) throw new Error(`duplicate id ${record.id}`);
    this.records.set(record.id, { ...record });
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    this.reads.push(id);
    const record = this.records.get(id);
    return record ? { ...record } : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    return [...this.records.values()];
  }

  async revoke(id: string, atIso: string): Promise<boolean> {
    const record = this.records.get(id);
    if (!record) return false;
    record.revokedAt ??= atIso;
    return true;
  }
}

const PEPPER = "api-key-test-pepper-0123456789abcdef";
const NOW_MS = Date.UTC(2024, 0, 2, 3, 4, 5, 678);

function makeDeps(pepper = PEPPER) {
  return {
    apiKeys: new InMemoryApiKeyStore(),
    hasher: new ApiKeyHasher(pepper),
    clock: { nowMs: () => NOW_MS },
  };
}

async function expectUnauthorized(result: Promise<unknown>, code: "API_KEY_MISSING" | "API_KEY_INVALID") {
  await expect(result).rejects.toBeInstanceOf(UnauthorizedError);
  await expect(result).rejects.toMatchObject({ status: 401, code, expose: true });
  if (code === "API_KEY_INVALID") await expect(result).rejects.toThrow("API key is unknown or revoked");
}

/** A clock the test moves. */
function manualClock(startMs = NOW_MS) {
  let now = startMs;
  return {
    nowMs: () => now,
    advance(ms: number) {
      now += ms;
    },
  };
}

afterEach(() => {
  vi.mocked(crypto.timingSafeEqual).mockClear();
});

describe("ApiKeyHasher", () => {
  it("hashes a key to the same 64 hex digits every time under one pepper", () => {
    // Prepare
    const a = new ApiKeyHasher(PEPPER);
    const b = new ApiKeyHasher(PEPPER);

    // Act
    const first = a.hash("mrd_example");
    const second = b.hash("mrd_example");

    // Assess
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(second).toBe(first);
    expect(a.hash("mrd_other")).not.toBe(first);
  });

  it("hashes the same key differently under another pepper", () => {
    // Prepare
    const ours = new ApiKeyHasher(PEPPER);
    const theirs = new ApiKeyHasher(`${PEPPER}x`);

    // Act / Assess
    expect(theirs.hash("mrd_example")).not.toBe(ours.hash("mrd_example"));
  });

  it("derives the key id from the first 20 hex digits of the hash", () => {
    // Prepare
    const hasher = new ApiKeyHasher(PEPPER);
    const hash = hasher.hash("mrd_example");

    // Act
    const id = hasher.idOf(hash);

    // Assess
    expect(id).toBe(`key_${hash.slice(0, 20)}`);
  });

  it("matches the key its record was made from, comparing in constant time", () => {
    // Prepare
    const hasher = new ApiKeyHasher(PEPPER);
    const hash = hasher.hash("mrd_example");
    const record: ApiKeyRecord = {
      id: hasher.idOf(hash),
      name: "ci",
      hash,
      createdAt: "2024-01-01T00:00:00.000Z",
    };

    // Act
    const same = hasher.matches("mrd_example", record);
    const other = hasher.matches("mrd_other", record);

    // Assess
    expect(same).toBe(true);
    expect(other).toBe(false);
    expect(crypto.timingSafeEqual).toHaveBeenCalledTimes(2);
  });

  it("does not match a record hashed under another pepper, nor a malformed stored hash", () => {
    // Prepare
    const hasher = new ApiKeyHasher(PEPPER);
    const foreign = new ApiKeyHasher("another-pepper-0123456789abcdefghij").hash("mrd_example");
    const base = { id: "key_x", name: "ci", createdAt: "2024-01-01T00:00:00.000Z" };

    // Act
    const results = [foreign, "", "abc", "zz".repeat(32), `${hasher.hash("mrd_example")}00`].map((hash) =>
      hasher.matches("mrd_example", { ...base, hash }),
    );

    // Assess
    expect(results).toEqual([false, false, false, false, false]);
  });
});

describe("generateApiKey", () => {
  it("makes mrd_ followed by 32 random bytes in base64url", () => {
    // Act
    const key = generateApiKey();

    // Assess
    expect(key).toMatch(/^mrd_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(4), "base64url")).toHaveLength(32);
  });

  it("makes a different key each time", () => {
    // Act
    const keys = new Set(Array.from({ length: 50 }, () => generateApiKey()));

    // Assess
    expect(keys.size).toBe(50);
  });
});

describe("createApiKey", () => {
  it("stores only the peppered hash and returns the clear key once with a summary", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const { key, summary } = await createApiKey(deps, { name: "  ci runner " });

    // Assess
    expect(key).toMatch(/^mrd_[A-Za-z0-9_-]{43}$/);
    const hash = deps.hasher.hash(key);
    expect(summary).toEqual({
      id: deps.hasher.idOf(hash),
      name: "ci runner",
      pepper: "1",
      createdAt: "2024-01-02T03:04:05.678Z",
    });
    expect(summary).not.toHaveProperty("hash");
    const stored = deps.apiKeys.records.get(summary.id);
    expect(stored).toEqual({ ...summary, hash });
    expect(JSON.stringify(stored)).not.toContain(key);
  });

  it("registers a chosen key when one is given", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const { key, summary } = await createApiKey(deps, {
      name: "dev",
      key: "dev-key-from-the-environment-123",
    });

    // Assess
    expect(key).toBe("dev-key-from-the-environment-123");
    expect(summary.id).toBe(deps.hasher.idOf(deps.hasher.hash("dev-key-from-the-environment-123")));
    await expect(authenticateApiKey(deps, key)).resolves.toEqual({ id: summary.id, name: "dev" });
  });

  it.each(["mrd_chosen_development_key", "short-dev-key", "dev key with spaces 123"])(
    "refuses a chosen key (%j) that the check would refuse before its read",
    async (chosen) => {
      // Prepare
      const deps = makeDeps();

      // Act
      const result = createApiKey(deps, { name: "dev", key: chosen });

      // Assess
      await expect(result).rejects.toBeInstanceOf(ValidationError);
      await expect(result).rejects.toThrow(/^key: must be mrd_ and 43 base64url characters/);
      expect(deps.apiKeys.records.size).toBe(0);
    },
  );

  it("refuses a name outside the allowed characters", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const result = createApiKey(deps, { name: "<script>" });

    // Assess
    await expect(result).rejects.toThrow(/letters, digits, space/);
    expect(deps.apiKeys.records.size).toBe(0);
  });
});

describe("authenticateApiKey", () => {
  it("returns the principal {id, name} for a valid key", async () => {
    // Prepare
    const deps = makeDeps();
    const { key, summary } = await createApiKey(deps, { name: "ci" });

    // Act
    const principal = await authenticateApiKey(deps, key);

    // Assess
    expect(principal).toEqual({ id: summary.id, name: "ci" });
  });

  it.each([undefined, ""])("refuses a missing key (%j) with API_KEY_MISSING", async (missing) => {
    // Prepare
    const deps = makeDeps();

    // Act
    const result = authenticateApiKey(deps, missing);

    // Assess
    await expectUnauthorized(result, "API_KEY_MISSING");
  });

  it("refuses an unknown key with API_KEY_INVALID", async () => {
    // Prepare
    const deps = makeDeps();
    await createApiKey(deps, { name: "ci" });

    // Act
    const result = authenticateApiKey(deps, generateApiKey());

    // Assess
    await expectUnauthorized(result, "API_KEY_INVALID");
  });

  it("refuses a revoked key with API_KEY_INVALID", async () => {
    // Prepare
    const deps = makeDeps();
    const { key, summary } = await createApiKey(deps, { name: "ci" });
    await deps.apiKeys.revoke(summary.id, "2024-02-01T00:00:00.000Z");

    // Act
    const result = authenticateApiKey(deps, key);

    // Assess
    await expectUnauthorized(result, "API_KEY_INVALID");
  });

  it("refuses a key created under another pepper with API_KEY_INVALID", async () => {
    // Prepare
    const elsewhere = makeDeps("another-pepper-0123456789abcdefghij");
    const { key } = await createApiKey(elsewhere, { name: "ci" });
    const here = { ...makeDeps(), apiKeys: elsewhere.apiKeys };

    // Act
    const result = authenticateApiKey(here, key);

    // Assess
    await expectUnauthorized(result, "API_KEY_INVALID");
  });

  it("refuses a key whose id matches a record but whose full hash does not", async () => {
    // Prepare
    const deps = makeDeps();
    const key = generateApiKey();
    const id = deps.hasher.idOf(deps.hasher.hash(key));
    await deps.apiKeys.create({ id, name: "ci", hash: deps.hasher.hash(generateApiKey()), createdAt: "x" });

    // Act
    const result = authenticateApiKey(deps, key);

    // Assess
    await expectUnauthorized(result, "API_KEY_INVALID");
    expect(deps.apiKeys.reads).toEqual([id]);
  });

  it.each([
    ["our prefix, too short", "mrd_not-a-real-key"],
    ["a generated key with one character more", `${generateApiKey()}x`],
    ["a generated key cut short", generateApiKey().slice(0, -1)],
    ["a bearer token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl".padEnd(200, "x")],
    ["a chosen key under 16 characters", "too-short-key"],
    ["spaces", "a key with spaces in it"],
  ])("refuses a malformed key (%s) with API_KEY_INVALID before hashing it or reading", async (_, key) => {
    // Prepare
    const deps = makeDeps();
    const hash = vi.spyOn(deps.hasher, "hash");

    // Act
    const result = authenticateApiKey(deps, key);

    // Assess
    await expectUnauthorized(result, "API_KEY_INVALID");
    expect(deps.apiKeys.reads).toEqual([]);
    expect(hash).not.toHaveBeenCalled();
  });
});

describe("isWellFormedApiKey", () => {
  it("accepts every key generateApiKey makes", () => {
    // Act
    const refused = Array.from({ length: 2_000 }, () => generateApiKey()).filter(
      (k) => !isWellFormedApiKey(k),
    );

    // Assess
    expect(refused).toEqual([]);
  });

  it.each([
    "dev-key-from-the-environment-123",
    "0123456789abcdef",
    "local.dev/key:with!punctuation~",
    "k".repeat(128),
  ])("accepts a chosen development key without our prefix: %j", (key) => {
    expect(isWellFormedApiKey(key)).toBe(true);
  });

  const generated = generateApiKey();
  it.each([
    ["empty", ""],
    ["the prefix alone", "mrd_"],
    ["our prefix and the wrong length", "mrd_not-a-real-key"],
    ["one character too many", `${generated}A`],
    ["one character too few", generated.slice(0, -1)],
    ["a last character 32 random bytes never end in", `${generated.slice(0, -1)}B`],
    ["base64 instead of base64url", `mrd_${"+".repeat(42)}A`],
    ["padding", `${generated.slice(0, -1)}=`],
    ["a trailing newline", `${generated}\n`],
    ["a leading space", ` ${generated}`],
    ["15 characters", "0123456789abcde"],
    ["a space inside a chosen key", "dev key from the environment"],
    ["a non-ASCII character", "dév-key-from-the-environment"],
    ["a control character", "dev-key-from-the\u0000environment"],
    ["129 characters", "k".repeat(129)],
    ["100,000 characters", "k".repeat(100_000)],
  ])("refuses %s", (_, key) => {
    expect(isWellFormedApiKey(key)).toBe(false);
  });
});

describe("UnknownApiKeyCache", () => {
  const randomId = () => `key_${crypto.randomBytes(10).toString("hex")}`;

  it("never holds more than maxEntries ids, however many are added", () => {
    // Prepare
    const cache = new UnknownApiKeyCache({ maxEntries: 1_000 });
    const ids = Array.from({ length: 50_000 }, randomId);

    // Act
    for (const id of ids) cache.add(id);

    // Assess
    expect(cache.size).toBe(1_000);
    expect(ids.slice(-1_000).every((id) => cache.has(id))).toBe(true);
    expect(ids.slice(0, -1_000).some((id) => cache.has(id))).toBe(false);
    expect(cache.size).toBe(1_000);
  });

  it("holds 1,000 ids by default", () => {
    // Prepare
    const cache = new UnknownApiKeyCache();

    // Act
    for (let i = 0; i < 10_000; i++) cache.add(randomId());

    // Assess
    expect(cache.size).toBe(1_000);
  });

  it("forgets an id 5 s after it was added by default, however often it is asked for meanwhile", () => {
    // Prepare
    const clock = manualClock();
    const cache = new UnknownApiKeyCache({ nowMs: clock.nowMs });
    cache.add("key_a");

    // Act
    const seen: boolean[] = [];
    for (let i = 0; i < 5; i++) {
      seen.push(cache.has("key_a"));
      clock.advance(999);
    }
    clock.advance(5);
    seen.push(cache.has("key_a"));

    // Assess
    expect(seen).toEqual([true, true, true, true, true, false]);
    expect(cache.size).toBe(0);
  });

  it("drops the least recently seen id when full, not the one just asked for", () => {
    // Prepare
    const cache = new UnknownApiKeyCache({ maxEntries: 3 });
    for (const id of ["key_a", "key_b", "key_c"]) cache.add(id);

    // Act
    cache.has("key_a");
    cache.add("key_d");

    // Assess
    expect(["key_a", "key_b", "key_c", "key_d"].map((id) => cache.has(id))).toEqual([
      true,
      false,
      true,
      true,
    ]);
  });

  it.each([
    { ttlMs: 10_001 },
    { ttlMs: -1 },
    { ttlMs: 1.5 },
    { maxEntries: -1 },
    { maxEntries: Number.POSITIVE_INFINITY },
  ])("refuses options beyond its bounds: %j", (options) => {
    expect(() => new UnknownApiKeyCache(options)).toThrow(RangeError);
  });

  it.each([{ ttlMs: 0 }, { maxEntries: 0 }])("remembers nothing with %j", (options) => {
    // Prepare
    const cache = new UnknownApiKeyCache(options);

    // Act
    cache.add("key_a");

    // Assess
    expect(cache.has("key_a")).toBe(false);
    expect(cache.size).toBe(0);
  });
});

describe("authenticateApiKey with an UnknownApiKeyCache", () => {
  function depsWithCache() {
    const clock = manualClock();
    const deps = { ...makeDeps(), unknownKeys: new UnknownApiKeyCache({ ttlMs: 5_000, nowMs: clock.nowMs }) };
    return { deps, clock };
  }

  it("reads an unknown key once, refuses it again without a read for 5 s, then reads it again", async () => {
    // Prepare
    const { deps, clock } = depsWithCache();
    const key = generateApiKey();

    // Act
    for (let i = 0; i < 10; i++) await expectUnauthorized(authenticateApiKey(deps, key), "API_KEY_INVALID");
    const readsWithin = deps.apiKeys.reads.length;
    clock.advance(5_000);
    await expectUnauthorized(authenticateApiKey(deps, key), "API_KEY_INVALID");

    // Assess
    expect(readsWithin).toBe(1);
    expect(deps.apiKeys.reads).toHaveLength(2);
  });

  it("accepts a key created after it was refused once the refusal is 5 s old", async () => {
    // Prepare
    const { deps, clock } = depsWithCache();
    const key = generateApiKey();
    await expectUnauthorized(authenticateApiKey(deps, key), "API_KEY_INVALID");
    const { summary } = await createApiKey({ ...deps, clock }, { name: "late", key });

    // Act
    const early = authenticateApiKey(deps, key);
    clock.advance(5_000);
    const later = authenticateApiKey(deps, key);

    // Assess
    await expectUnauthorized(early, "API_KEY_INVALID");
    await expect(later).resolves.toEqual({ id: summary.id, name: "late" });
  });

  it("remembers a revoked key", async () => {
    // Prepare
    const { deps } = depsWithCache();
    const { key, summary } = await createApiKey(deps, { name: "ci" });
    await deps.apiKeys.revoke(summary.id, "2024-02-01T00:00:00.000Z");

    // Act
    for (let i = 0; i < 3; i++) await expectUnauthorized(authenticateApiKey(deps, key), "API_KEY_INVALID");

    // Assess
    expect(deps.apiKeys.reads).toEqual([summary.id]);
  });

  it("does not remember an id whose record holds another key's hash, so that key keeps working", async () => {
    // Prepare
    const { deps } = depsWithCache();
    const owner = generateApiKey();
    const stranger = generateApiKey();
    const ownerHash = deps.hasher.hash(owner);
    // A stranger whose key's id prefix collides with the owner's (80 bits: only by construction here).
    const id = deps.hasher.idOf(ownerHash);
    vi.spyOn(deps.hasher, "idOf").mockReturnValue(id);
    await deps.apiKeys.create({ id, name: "owner", hash: ownerHash, createdAt: "x" });

    // Act
    await expectUnauthorized(authenticateApiKey(deps, stranger), "API_KEY_INVALID");
    const principal = await authenticateApiKey(deps, owner);

    // Assess
    expect(principal).toEqual({ id, name: "owner" });
    expect(deps.unknownKeys.size).toBe(0);
  });

  it("refuses a malformed key without adding it", async () => {
    // Prepare
    const { deps } = depsWithCache();

    // Act
    await expectUnauthorized(authenticateApiKey(deps, "mrd_not-a-real-key"), "API_KEY_INVALID");

    // Assess
    expect(deps.unknownKeys.size).toBe(0);
    expect(deps.apiKeys.reads).toEqual([]);
  });
});

describe("API keys across app secret versions", () => {
  const NEXT = "api-key-test-pepper-version-2-0123456789";
  const rotated = rotateAppSecret(PEPPER, NEXT);
  const hmac = (pepper: string, key: string) => crypto.createHmac("sha256", pepper).update(key).digest("hex");
  /** One store seen by the deployment before the rotation, after it, and after version 1 is retired. */
  function stages() {
    const before = makeDeps();
    const after = { ...before, hasher: new ApiKeyHasher(parseAppSecret(rotated)) };
    const retired = { ...before, hasher: new ApiKeyHasher(retireAppSecret(rotated, "1")) };
    return { before, after, retired, apiKeys: before.apiKeys };
  }

  it("keeps a key issued under version 1 working after rotating to version 2, with one read", async () => {
    // Prepare
    const { before, after, apiKeys } = stages();
    const { key, summary } = await createApiKey(before, { name: "old" });
    apiKeys.reads.length = 0;

    // Act
    const principal = await authenticateApiKey(after, key);

    // Assess
    expect(key).toMatch(/^mrd_/);
    expect(principal).toEqual({ id: summary.id, name: "old" });
    expect(apiKeys.reads).toEqual([summary.id]);
  });

  it("accepts a record made before versions existed (no pepper) as version 1", async () => {
    // Prepare
    const { after, apiKeys } = stages();
    const key = generateApiKey();
    const hash = hmac(PEPPER, key);
    await apiKeys.create({ id: `key_${hash.slice(0, 20)}`, name: "legacy", hash, createdAt: "x" });

    // Act
    const principal = await authenticateApiKey(after, key);

    // Assess
    expect(principal).toEqual({ id: `key_${hash.slice(0, 20)}`, name: "legacy" });
  });

  it("issues a new key under version 2: its prefix, its record and its hash say so", async () => {
    // Prepare
    const { after, apiKeys } = stages();

    // Act
    const { key, summary } = await createApiKey(after, { name: "new" });

    // Assess
    expect(key).toMatch(/^mrd2_[A-Za-z0-9_-]{43}$/);
    const stored = apiKeys.records.get(summary.id);
    expect(stored?.pepper).toBe("2");
    expect(stored?.hash).toBe(hmac(NEXT, key));
    expect(summary.id).toBe(`key_${hmac(NEXT, key).slice(0, 20)}`);
    await expect(authenticateApiKey(after, key)).resolves.toEqual({ id: summary.id, name: "new" });
  });

  it("refuses a key on a retired version with 401, before its hash and without a read", async () => {
    // Prepare
    const { before, retired, apiKeys } = stages();
    const { key } = await createApiKey(before, { name: "old" });
    apiKeys.reads.length = 0;
    const hash = vi.spyOn(retired.hasher, "hash");

    // Act
    const result = authenticateApiKey(retired, key);

    // Assess
    await expectUnauthorized(result, "API_KEY_INVALID");
    expect(apiKeys.reads).toEqual([]);
    expect(hash).not.toHaveBeenCalled();
  });

  it("keeps a version 2 key working once version 1 is retired", async () => {
    // Prepare
    const { after, retired } = stages();
    const { key, summary } = await createApiKey(after, { name: "new" });

    // Act / Assess
    await expect(authenticateApiKey(retired, key)).resolves.toEqual({ id: summary.id, name: "new" });
  });

  it("refuses a version 2 key where the app secret has no version 2 yet (a function not yet restarted)", async () => {
    // Prepare
    const { before, after } = stages();
    const { key } = await createApiKey(after, { name: "new" });

    // Act / Assess
    await expectUnauthorized(authenticateApiKey(before, key), "API_KEY_INVALID");
    expect(before.apiKeys.reads).toEqual([]);
  });

  it("hashes a chosen key under the current version, so after a rotation it must be registered again", async () => {
    // Prepare
    const { before, after } = stages();
    const chosen = "dev-key-from-the-environment-123";
    await createApiKey(before, { name: "dev", key: chosen });

    // Act
    const unregistered = authenticateApiKey(after, chosen);
    const { summary } = await createApiKey(after, { name: "dev", key: chosen });

    // Assess
    await expectUnauthorized(unregistered, "API_KEY_INVALID");
    expect(summary.pepper).toBe("2");
    await expect(authenticateApiKey(after, chosen)).resolves.toEqual({ id: summary.id, name: "dev" });
  });

  it("refuses to register a given key whose version is retired", async () => {
    // Prepare
    const { retired } = stages();

    // Act
    const result = createApiKey(retired, { name: "old", key: generateApiKey() });

    // Assess
    await expect(result).rejects.toBeInstanceOf(ValidationError);
    await expect(result).rejects.toThrow("key: was issued under app secret version 1, which is retired");
  });

  it("does not match a record whose pepper is not the key's version, even with the right hash", () => {
    // Prepare
    const { after } = stages();
    const key = generateApiKey();
    const record = { id: "key_x", name: "ci", hash: hmac(NEXT, key), pepper: "2", createdAt: "x" };

    // Act / Assess
    expect(after.hasher.matches(key, record)).toBe(false);
    expect(after.hasher.matches(key, { ...record, hash: hmac(PEPPER, key), pepper: "1" })).toBe(true);
  });
});

describe("keyVersionOf and versioned key shapes", () => {
  it.each([
    ["1", /^mrd_/],
    ["2", /^mrd2_/],
    ["10", /^mrd10_/],
    ["999999", /^mrd999999_/],
  ])("generates version %s keys that are well formed and carry their version", (version, prefix) => {
    // Act
    const keys = Array.from({ length: 200 }, () => generateApiKeyFor(version));

    // Assess
    expect(keys.every((k) => prefix.test(k) && isWellFormedApiKey(k))).toBe(true);
    expect(new Set(keys.map(keyVersionOf))).toEqual(new Set([version]));
  });

  it.each(["0", "01", "1000000", "x", ""])("refuses to generate a key for version %j", (version) => {
    expect(() => generateApiKeyFor(version)).toThrow(RangeError);
  });

  const body = generateApiKey().slice(4);
  it.each([
    ["version 1 written out", `mrd1_${body}`],
    ["a leading zero", `mrd02_${body}`],
    ["version 0", `mrd0_${body}`],
    ["seven digits", `mrd1000000_${body}`],
    ["a version and the wrong length", `mrd2_${body.slice(1)}`],
  ])("refuses our prefix with %s, as no chosen key either", (_, key) => {
    expect(isWellFormedApiKey(key)).toBe(false);
    expect(keyVersionOf(key)).toBeUndefined();
  });

  it("gives no version for a chosen key", () => {
    expect(keyVersionOf("dev-key-from-the-environment-123")).toBeUndefined();
  });
});
