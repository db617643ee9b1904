import {
  type ApiKeyHasher,
  type ApiKeyPrincipal,
  type ApiKeyStore,
  authenticateApiKey,
  UnknownApiKeyCache,
} from "@meridian/core";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

export interface ApiKeyAuthOptions {
  apiKeys: ApiKeyStore;
  hasher: ApiKeyHasher;
  /** How long an accepted key is trusted before it is checked again; a revocation takes this long. Default 30 s. */
  cacheTtlMs?: number;
  /** Cap on cached keys; the cache is emptied when full. Default 1,000. */
  cacheSize?: number;
  /**
   * Ids of keys just refused after a read (unknown or revoked), kept apart from the accepted keys so that
   * no refused key can push an accepted one out. Default: 1,000 ids for 5 s (`UnknownApiKeyCache`).
   */
  unknownKeys?: UnknownApiKeyCache;
}

/**
 * Requires a valid `x-api-key`; the caller's key id and name become `c.get("apiKey")`. Accepted keys are
 * remembered in this process for `cacheTtlMs`, so a busy client costs neither a database read nor a hash
 * per request. A key that cannot be one of ours is refused before its hash and without a read; one that a
 * read found unknown or revoked is refused without another read for 5 s (`unknownKeys`): a key presented
 * before it was created works at most 5 s after.
 */
export function apiKeyAuth(options: ApiKeyAuthOptions) {
  const ttl = options.cacheTtlMs ?? 30_000;
  const size = options.cacheSize ?? 1_000;
  const accepted = new Map<string, { principal: ApiKeyPrincipal; until: number }>();
  const check = {
    apiKeys: options.apiKeys,
    hasher: options.hasher,
    unknownKeys: options.unknownKeys ?? new UnknownApiKeyCache(),
  };
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = c.req.header("x-api-key");
    const hit = key ? accepted.get(key) : undefined;
    if (hit && hit.until > Date.now()) {
      c.set("apiKey", hit.principal);
    } else {
      const principal = await authenticateApiKey(check, key);
      if (ttl > 0 && key) {
        if (accepted.size >= size) accepted.clear();
        accepted.set(key, { principal, until: Date.now() + ttl });
      }
      c.set("apiKey", principal);
    }
    await next();
  });
}
