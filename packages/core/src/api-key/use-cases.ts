import { UnauthorizedError, ValidationError } from "../shared/errors.ts";
import type { Clock } from "../shared/ports.ts";
import { parseInput } from "../shared/validation.ts";
import {
  type ApiKeyHasher,
  ApiKeyNameSchema,
  type ApiKeyStore,
  type ApiKeySummary,
  generateApiKeyFor,
  isWellFormedApiKey,
  toSummary,
  type UnknownApiKeyCache,
} from "./api-key.ts";

export interface ApiKeyDeps {
  apiKeys: ApiKeyStore;
  hasher: ApiKeyHasher;
  clock: Clock;
}

/** The identity an authenticated API key grants. */
export interface ApiKeyPrincipal {
  id: string;
  name: string;
}

/**
 * Creates a key and returns it in clear text: the only time it is ever shown. It is issued under the app
 * secret's current version, which its record names (`pepper`). Pass `key` to register a chosen key (the
 * sandbox's development key): one without our prefix is hashed under the current version, so after a
 * rotation it must be registered again.
 */
export async function createApiKey(
  deps: ApiKeyDeps,
  input: { name: string; key?: string },
): Promise<{ key: string; summary: ApiKeySummary }> {
  const name = parseInput(ApiKeyNameSchema, input.name, "name");
  const key = input.key ?? generateApiKeyFor(deps.hasher.current);
  // A key the check refuses before its read could never be used.
  if (!isWellFormedApiKey(key)) {
    throw new ValidationError([
      {
        field: "key",
        message:
          "must be mrd_ and 43 base64url characters (as generated), " +
          "or 16 to 128 visible ASCII characters without that prefix",
      },
    ]);
  }
  // A generated key is issued under the current version; a given one keeps the version in its prefix
  // (a chosen key, which has none, takes the current one), so it must still be in the ring.
  const pepper = deps.hasher.versionOf(key);
  if (!deps.hasher.accepts(pepper)) {
    throw new ValidationError([
      { field: "key", message: `was issued under app secret version ${pepper}, which is retired` },
    ]);
  }
  const hash = deps.hasher.hash(key, pepper);
  const record = {
    id: deps.hasher.idOf(hash),
    name,
    hash,
    pepper,
    createdAt: new Date(deps.clock.nowMs()).toISOString(),
  };
  await deps.apiKeys.create(record);
  return { key, summary: toSummary(record) };
}

export interface ApiKeyCheckDeps extends Omit<ApiKeyDeps, "clock"> {
  /** Where refused key ids are remembered for a few seconds, so a key presented again costs no read. */
  unknownKeys?: UnknownApiKeyCache;
}

const invalidKey = () => new UnauthorizedError("API_KEY_INVALID", "API key is unknown or revoked");

/**
 * Checks a presented key; throws 401 errors for a missing, unknown or revoked key. A key that cannot be
 * one of ours (`isWellFormedApiKey`), or was issued under a retired app secret version, is refused before
 * its hash and without a read; given `unknownKeys`, so is one whose read found nothing usable a moment ago.
 * Any other key costs one read, whatever versions the app secret holds: its hash is verified under the
 * version its record names (`pepperOf`).
 */
export async function authenticateApiKey(
  deps: ApiKeyCheckDeps,
  key: string | undefined,
): Promise<ApiKeyPrincipal> {
  if (!key) throw new UnauthorizedError("API_KEY_MISSING", "x-api-key header is required");
  if (!isWellFormedApiKey(key)) throw invalidKey();
  // The key's version (its prefix) says which pepper its id was derived with, so a rotation costs no extra
  // read. One on a retired version has no usable record: refused without its hash or a read.
  const version = deps.hasher.versionOf(key);
  if (!deps.hasher.accepts(version)) throw invalidKey();
  const id = deps.hasher.idOf(deps.hasher.hash(key, version));
  if (deps.unknownKeys?.has(id)) throw invalidKey();
  const record = await deps.apiKeys.findById(id);
  if (!record) {
    deps.unknownKeys?.add(id);
    throw invalidKey();
  }
  // Another key's record under the same id prefix: not remembered, or that key would be refused too.
  if (!deps.hasher.matches(key, record)) throw invalidKey();
  if (record.revokedAt !== undefined) {
    deps.unknownKeys?.add(id);
    throw invalidKey();
  }
  return { id: record.id, name: record.name };
}
