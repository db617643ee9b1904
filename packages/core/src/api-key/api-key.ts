import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as z from "zod/mini";
import { APP_SECRET_VERSION, type AppSecret, toAppSecret } from "../shared/app-secret.ts";

/** What is stored about an API key: never the key itself, only its peppered hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  /** HMAC-SHA256 of the key under the deployment's pepper, hex. */
  hash: string;
  /**
   * The app secret version (`AppSecret`) the hash was made with. Records made before versions existed
   * have none: that means `"1"` (`pepperOf`).
   */
  pepper?: string;
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

/** The app secret version a record's hash was made with: its `pepper`, or `"1"` for an older record. */
export function pepperOf(record: Pick<ApiKeyRecord, "pepper">): string {
  return record.pepper ?? "1";
}

/**
 * Hashes keys with a secret pepper, so a leaked table cannot be used to check guesses offline. The pepper is
 * one version of the app secret (`AppSecret`): the version a key was issued under is in its prefix (`mrd_`
 * is 1, `mrd2_` is 2, see `keyVersionOf`), a chosen key uses the current one. The key id is derived from
 * the hash under that version, so a lookup is still one GetItem, however many versions the ring holds, and
 * the full hash is then compared in constant time under the version the record names.
 *
 * @example
 * const hasher = new ApiKeyHasher(parseAppSecret(text)); // or the text itself
 * const id = hasher.idOf(hasher.hash(key)); // under the key's own version
 */
export class ApiKeyHasher {
  readonly #secret: AppSecret;

  /** `secret`: the ring, or the app secret's text (`parseAppSecret`; a plain string is version 1). */
  constructor(secret: AppSecret | string) {
    this.#secret = toAppSecret(secret);
  }

  /** The version new keys are issued under. */
  get current(): string {
    return this.#secret.current;
  }

  /** Whether `version` is in the ring, i.e. not retired. */
  accepts(version: string): boolean {
    return Object.hasOwn(this.#secret.secrets, version);
  }

  /** The version `key` is hashed under: the one in its prefix, or the current one for a chosen key. */
  versionOf(key: string): string {
    return keyVersionOf(key) ?? this.#secret.current;
  }

  /** HMAC-SHA256 of `key` under `version` (default: the key's own, `versionOf`), hex. */
  hash(key: string, version = this.versionOf(key)): string {
    if (!this.accepts(version)) throw new RangeError(`The app secret holds no version ${version}`);
    return createHmac("sha256", this.#secret.secrets[version] as string)
      .update(key)
      .digest("hex");
  }

  idOf(hash: string): string {
    return `key_${hash.slice(0, 20)}`;
  }

  /**
   * Whether `key` is the one `record` was made from: the key's version must be the record's, still in the
   * ring, and the hash under it equal to the stored one.
   */
  matches(key: string, record: ApiKeyRecord): boolean {
    const version = pepperOf(record);
    if (version !== this.versionOf(key) || !this.accepts(version)) return false;
    const given = Buffer.from(this.hash(key, version), "hex");
    const stored = Buffer.from(record.hash, "hex");
    return given.length === stored.length && timingSafeEqual(given, stored);
  }
}

/** What every key generated under app secret version 1 starts with; version N > 1 is `mrdN_`. */
export const API_KEY_PREFIX = "mrd_";

/** Random bytes in a generated key: 43 base64url characters after the prefix. */
const KEY_BYTES = 32;

/**
 * Longest key ever looked up (a development key chosen by hand); a generated one has 47 characters under
 * version 1, 48 to 53 under a later one.
 */
export const API_KEY_MAX_LENGTH = 128;

// Our prefix: `mrd`, the app secret version (none for 1, else 2 to 999999 without leading zeros), `_`.
// Anything that starts like `mrd<digits>_` is held to the generated shape, so no chosen key can pass for one.
const OUR_PREFIX = /^mrd[0-9]*_/;
// Then the base64url of 32 bytes: 42 characters of 6 bits, then one holding the last 4 bits and two zero
// bits, so one of 16 characters. No other string is a key `generateApiKey` made.
const GENERATED_KEY = /^mrd([2-9]|[1-9][0-9]{1,5})?_[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
// A key chosen for the sandbox (`MERIDIAN_DEV_API_KEY`, at least 16 characters), without our prefix.
const CHOSEN_KEY = /^[!-~]{16,128}$/;

/**
 * Whether `key` can be one of ours, decided without a hash or a read: a key that starts with our prefix
 * (`mrd_`, or `mrdN_` for app secret version N) must be exactly what `generateApiKey` makes (the prefix and
 * 43 base64url characters); any other is a chosen one (the sandbox's development key) and must be 16 to
 * 128 visible ASCII characters (no space). `createApiKey` registers no key this refuses, so a key refused
 * here has no record.
 *
 * @example
 * isWellFormedApiKey(generateApiKey()); // true
 * isWellFormedApiKey("mrd_abc"); // false: our prefix, not our length
 */
export function isWellFormedApiKey(key: string): boolean {
  if (key.length > API_KEY_MAX_LENGTH) return false;
  return OUR_PREFIX.test(key) ? GENERATED_KEY.test(key) : CHOSEN_KEY.test(key);
}

/**
 * The app secret version a generated key was issued under, from its prefix: `"1"` for `mrd_…`, `"7"` for
 * `mrd7_…`; `undefined` for a chosen key or anything not well formed.
 *
 * @example
 * keyVersionOf(generateApiKeyFor("2")); // "2"
 */
export function keyVersionOf(key: string): string | undefined {
  const match = GENERATED_KEY.exec(key);
  if (!match) return undefined;
  return match[1] ?? "1";
}

/**
 * Makes a new random key for app secret `version`: `mrd_` (version 1) or `mrd<version>_`, followed by 32
 * random bytes in base64url. `createApiKey` issues keys under the current version this way.
 *
 * @example
 * generateApiKeyFor("2"); // "mrd2_…"
 */
export function generateApiKeyFor(version: string): string {
  if (!APP_SECRET_VERSION.test(version)) throw new RangeError(`Not an app secret version: ${version}`);
  const prefix = version === "1" ? API_KEY_PREFIX : `mrd${version}_`;
  return `${prefix}${randomBytes(KEY_BYTES).toString("base64url")}`;
}

/** Makes a new random key under app secret version 1: `mrd_` followed by 32 random bytes in base64url. */
export function generateApiKey(): string {
  return generateApiKeyFor("1");
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
