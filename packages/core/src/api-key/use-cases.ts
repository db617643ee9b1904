import { UnauthorizedError } from "../shared/errors.ts";
import type { Clock } from "../shared/ports.ts";
import { parseInput } from "../shared/validation.ts";
import {
  type ApiKeyHasher,
  ApiKeyNameSchema,
  type ApiKeyStore,
  type ApiKeySummary,
  generateApiKey,
  toSummary,
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

/** Checks a presented key; throws 401 errors for a missing, unknown or revoked key. */
export async function authenticateApiKey(
  deps: Omit<ApiKeyDeps, "clock">,
  key: string | undefined,
): Promise<ApiKeyPrincipal> {
  if (!key) throw new UnauthorizedError("API_KEY_MISSING", "x-api-key header is required");
  const record = await deps.apiKeys.findById(deps.hasher.idOf(deps.hasher.hash(key)));
  if (!record || !deps.hasher.matches(key, record) || record.revokedAt !== undefined) {
    throw new UnauthorizedError("API_KEY_INVALID", "API key is unknown or revoked");
  }
  return { id: record.id, name: record.name };
}
