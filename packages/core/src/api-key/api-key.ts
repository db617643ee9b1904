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

/** Makes a new random key: `mrd_` followed by 32 random bytes in base64url. */
export function generateApiKey(): string {
  return `mrd_${randomBytes(32).toString("base64url")}`;
}

export function toSummary(record: ApiKeyRecord): ApiKeySummary {
  const { hash: _hash, ...summary } = record;
  return summary;
}
