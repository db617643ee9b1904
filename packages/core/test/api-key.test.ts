import * as crypto from "node:crypto";
import {
  ApiKeyHasher,
  type ApiKeyRecord,
  type ApiKeyStore,
  authenticateApiKey,
  createApiKey,
  generateApiKey,
  UnauthorizedError,
} from "@meridian/core";
import { afterEach, describe, expect, it, vi } from "vitest";

vi.mock("node:crypto", async (importOriginal) => {
  const actual = await importOriginal<typeof import("node:crypto")>();
  return { ...actual, timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

/** Test double of the ApiKeyStore port. */
class InMemoryApiKeyStore implements ApiKeyStore {
  readonly records = new Map<string, ApiKeyRecord>();

  async create(record: ApiKeyRecord): Promise<void> {
    if (this.records.has(record.id)) throw new Error(`duplicate id ${record.id}`);
    this.records.set(record.id, { ...record });
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
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
    const { key, summary } = await createApiKey(deps, { name: "dev", key: "mrd_chosen_development_key" });

    // Assess
    expect(key).toBe("mrd_chosen_development_key");
    expect(summary.id).toBe(deps.hasher.idOf(deps.hasher.hash("mrd_chosen_development_key")));
  });

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
    const key = "mrd_presented";
    const id = deps.hasher.idOf(deps.hasher.hash(key));
    await deps.apiKeys.create({ id, name: "ci", hash: deps.hasher.hash("mrd_someone_else"), createdAt: "x" });

    // Act
    const result = authenticateApiKey(deps, key);

    // Assess
    await expectUnauthorized(result, "API_KEY_INVALID");
  });
});
