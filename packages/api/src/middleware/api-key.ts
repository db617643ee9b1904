import { type ApiKeyHasher, type ApiKeyRecord, type ApiKeyStore, authenticateApiKey } from "@meridian/core";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

export interface ApiKeyAuthOptions {
  apiKeys: ApiKeyStore;
  hasher: ApiKeyHasher;
  /** How long a looked-up key is trusted before it is read again; a revocation takes this long. Default 30 s. */
  cacheTtlMs?: number;
  /** Cap on cached keys; the cache is emptied when full. Default 1,000. */
  cacheSize?: number;
}

/** Keeps recently read key records in memory so a hot client costs no database read per request. */
function cachedLookup(store: ApiKeyStore, ttlMs: number, size: number): ApiKeyStore {
  const cache = new Map<string, { record: ApiKeyRecord | undefined; until: number }>();
  return {
    ...store,
    async findById(id) {
      const hit = cache.get(id);
      if (hit && hit.until > Date.now()) return hit.record;
      const record = await store.findById(id);
      if (cache.size >= size) cache.clear();
      // Only known keys are cached: an unknown key created a moment later must work at once.
      if (record) cache.set(id, { record, until: Date.now() + ttlMs });
      return record;
    },
  };
}

/** Requires a valid `x-api-key`; the caller's key id and name become `c.get("apiKey")`. */
export function apiKeyAuth(options: ApiKeyAuthOptions) {
  const ttl = options.cacheTtlMs ?? 30_000;
  const apiKeys = ttl > 0 ? cachedLookup(options.apiKeys, ttl, options.cacheSize ?? 1_000) : options.apiKeys;
  const deps = { apiKeys, hasher: options.hasher };
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set("apiKey", await authenticateApiKey(deps, c.req.header("x-api-key")));
    await next();
  });
}
