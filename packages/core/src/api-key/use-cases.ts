import { UnauthorizedError, ValidationError } from "../shared/errors.ts";
import type { Clock } from "../shared/ports.ts";
import { parseInput } from "../shared/validation.ts";
import {
  type ApiKeyHasher,
  ApiKeyNameSchema,
  type ApiKeyStore,
  type ApiKeySummary,
  generateApiKey,
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
 * Creates a key and returns it in clear text: the only time it is ever shown.
 * Pass `key` to register a chosen key (the sandbox's development key).
 */
export async function createApiKey(
  deps: ApiKeyDeps,
  input: { name: string; key?: string },
): Promise<{ key: string; summary: ApiKeySummary }> {
  const name = parseInput(ApiKeyNameSchema, input.name, "name");
  const key = input.key ?? generateApiKey();
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
  const hash = deps.hasher.hash(key);
  const record = {
    id: deps.hasher.idOf(hash),
    name,
    hash,
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
 * one of ours (`isWellFormedApiKey`) is refused before its hash and without a read; given `unknownKeys`,
 * so is one whose read found nothing usable a moment ago.
 */
export async function authenticateApiKey(
  deps: ApiKeyCheckDeps,
  key: string | undefined,
): Promise<ApiKeyPrincipal> {
  if (!key) throw new UnauthorizedError("API_KEY_MISSING", "x-api-key header is required");
  if (!isWellFormedApiKey(key)) throw invalidKey();
  const id = deps.hasher.idOf(deps.hasher.hash(key));
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
