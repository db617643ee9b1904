import {
  type ApiKeyHasher,
  type ApiKeyPrincipal,
  type ApiKeyStore,
  authenticateApiKey,
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
}

/**
 * Requires a valid `x-api-key`; the caller's key id and name become `c.get("apiKey")`. Accepted keys are
 * remembered in this process for `cacheTtlMs`, so a busy client costs neither a database read nor a hash
 * per request. Unknown keys are never cached: a key created a moment ago works at once.
 */
export function apiKeyAuth(options: ApiKeyAuthOptions) {
  const ttl = options.cacheTtlMs ?? 30_000;
  const size = options.cacheSize ?? 1_000;
  const accepted = new Map<string, { principal: ApiKeyPrincipal; until: number }>();
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = c.req.header("x-api-key");
    const hit = key ? accepted.get(key) : undefined;
    if (hit && hit.until > Date.now()) {
      c.set("apiKey", hit.principal);
    } else {
      const principal = await authenticateApiKey(options, key);
      if (ttl > 0 && key) {
        if (accepted.size >= size) accepted.clear();
        accepted.set(key, { principal, until: Date.now() + ttl });
      }
      c.set("apiKey", principal);
    }
    await next();
  });
}
