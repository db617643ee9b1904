import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as z from "zod/mini";

/** What is stored about an API key: never the key itself, only its peppered hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** HMAC-SHA256 of the key under the deployment's pepper, hex. */
  hash: string;
  createdAt: string;
  revokedAt?: string;
}

export type ApiKeySummary = Omit<ApiKeyRecord, "hash">;

export interface ApiKeyStore {
  /** Stores a new key record; fails if the id exists. */
  create(record: ApiKeyRecord): Promise<void>;
  findById(id: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; returns false when no key has that id. */
  revoke(id: string, atIso: string): Promise<boolean>;
}

/** Built on first use, like every schema (see epoch/epoch.ts). */
export const ApiKeyNameSchema = z.lazy(() =>
  z
    .string()
    .check(
      z.trim(),
      z.minLength(1),
      z.maxLength(64),
      z.regex(/^[\w .@-]+$/, "letters, digits, space and . _ @ - only"),
    ),
);

/**
 * Hashes keys with a secret pepper, so a leaked table cannot be used to check guesses offline.
 * The key id is derived from the hash: a lookup is one GetItem, and the full hash is then compared
 * in constant time.
 */
export class ApiKeyHasher {
  readonly #pepper: string;

  constructor(pepper: string) {
    this.#pepper = pepper;
  }

  hash(key: string): string {
    return createHmac("sha256", this.#pepper).update(key).digest("hex");
  }

  idOf(hash: string): string {
    return `key_${hash.slice(0, 20)}`;
  }

  matches(key: string, record: ApiKeyRecord): boolean {
    const given = Buffer.from(this.hash(key), "hex");
    const stored = Buffer.from(record.hash, "hex");
    return given.length === stored.length && timingSafeEqual(given, stored);
  }
}

/** What every generated key starts with. */
export const API_KEY_PREFIX = "mrd_";

/** Random bytes in a generated key: 43 base64url characters after the prefix. */
const KEY_BYTES = 32;

/** Longest key ever looked up (a development key chosen by hand); a generated one has 47 characters. */
export const API_KEY_MAX_LENGTH = 128;

// `mrd_` and the base64url of 32 bytes: 42 characters of 6 bits, then one holding the last 4 bits and two
// zero bits, so one of 16 characters. No other string is a key `generateApiKey` made.
const GENERATED_KEY = /^mrd_[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
// A key chosen for the sandbox (`MERIDIAN_DEV_API_KEY`, at least 16 characters), without our prefix.
const CHOSEN_KEY = /^[!-~]{16,128}$/;

/**
 * Whether `key` can be one of ours, decided without a hash or a read: a key that starts with `mrd_` must be
 * exactly what `generateApiKey` makes (`mrd_` and 43 base64url characters); any other is a chosen one (the
 * sandbox's development key) and must be 16 to 128 visible ASCII characters (no space). `createApiKey`
 * registers no key this refuses, so a key refused here has no record.
 *
 * @example
 * isWellFormedApiKey(generateApiKey()); // true
 * isWellFormedApiKey("mrd_abc"); // false: our prefix, not our length
 */
export function isWellFormedApiKey(key: string): boolean {
  if (key.length > API_KEY_MAX_LENGTH) return false;
  return key.startsWith(API_KEY_PREFIX) ? GENERATED_KEY.test(key) : CHOSEN_KEY.test(key);
}

/** Makes a new random key: `mrd_` followed by 32 random bytes in base64url. */
export function generateApiKey(): string {
  return `${API_KEY_PREFIX}${randomBytes(KEY_BYTES).toString("base64url")}`;
}

/**
 * Longest time an accepted key may be trusted without reading its record again (`API_KEY_CACHE_TTL_SECONDS`
 * at most): a revoked key stops working within this long.
 */
export const API_KEY_CACHE_TTL_MAX_SECONDS = 60;

export interface UnknownApiKeyCacheOptions {
  /** Most ids remembered; when full, the least recently seen is forgotten. Default 1,000. */
  maxEntries?: number;
  /**
   * How long a refusal is remembered, from the read that found no usable record (a hit does not extend it);
   * at most `UnknownApiKeyCache.MAX_TTL_MS` (10 s). Default 5 s. 0 remembers nothing.
   */
  ttlMs?: number;
  /** Milliseconds since 1970; default `Date.now`. */
  nowMs?: () => number;
}

/**
 * The ids (`ApiKeyHasher.idOf`) of keys a read just found no record for, or a revoked one: presented again
 * within `ttlMs`, such a key is refused after its hash, without a read. Its memory is bounded: at most
 * `maxEntries` ids (about 200 bytes of heap each, so 0.2 MB for 1,000), the least recently seen dropped
 * first. It holds no key in clear, and never the id of a record whose hash differs, so nothing a caller
 * sends can get another key refused. The price: a key presented before it existed (or read too early from
 * an eventually consistent replica) is refused for up to `ttlMs` more.
 *
 * @example
 * const unknown = new UnknownApiKeyCache({ maxEntries: 1_000, ttlMs: 5_000 });
 * await authenticateApiKey({ apiKeys, hasher, unknownKeys: unknown }, key);
 */
export class UnknownApiKeyCache {
  static readonly MAX_TTL_MS = 10_000;
  readonly #until = new Map<string, number>();
  readonly #maxEntries: number;
  readonly #ttlMs: number;
  readonly #nowMs: () => number;

  constructor(options: UnknownApiKeyCacheOptions = {}) {
    const { maxEntries = 1_000, ttlMs = 5_000, nowMs = Date.now } = options;
    if (!Number.isInteger(maxEntries) || maxEntries < 0) {
      throw new RangeError(`maxEntries must be a whole number >= 0, got ${maxEntries}`);
    }
    if (!Number.isInteger(ttlMs) || ttlMs < 0 || ttlMs > UnknownApiKeyCache.MAX_TTL_MS) {
      throw new RangeError(
        `ttlMs must be a whole number from 0 to ${UnknownApiKeyCache.MAX_TTL_MS}, got ${ttlMs}`,
      );
    }
    this.#maxEntries = maxEntries;
    this.#ttlMs = ttlMs;
    this.#nowMs = nowMs;
  }

  /** Ids held, expired ones not yet dropped included; never more than `maxEntries`. */
  get size(): number {
    return this.#until.size;
  }

  /** Whether `id` was refused less than `ttlMs` ago. */
  has(id: string): boolean {
    const until = this.#until.get(id);
    if (until === undefined) return false;
    this.#until.delete(id);
    if (until <= this.#nowMs()) return false;
    this.#until.set(id, until); // now the most recently seen
    return true;
  }

  /** Remembers that `id` has no usable record, dropping the least recently seen id when full. */
  add(id: string): void {
    if (this.#maxEntries === 0 || this.#ttlMs === 0) return;
    this.#until.delete(id);
    if (this.#until.size >= this.#maxEntries) {
      const oldest = this.#until.keys().next();
      if (!oldest.done) this.#until.delete(oldest.value);
    }
    this.#until.set(id, this.#nowMs() + this.#ttlMs);
  }
}

export function toSummary(record: ApiKeyRecord): ApiKeySummary {
  const { hash: _hash, ...summary } = record;
  return summary;
}
