import { parseEnv } from "@meridian/core";
import { z } from "zod";

const RuntimeConfigSchema = z.object({
  TABLE_EPOCHS: z.string().min(3),
  TABLE_API_KEYS: z.string().min(3),
  /** Secret that peppers API-key hashes and signs cursors; at least 32 characters. */
  APP_SECRET: z.string().min(32, "must be at least 32 characters"),
  /** DynamoDB Local or another endpoint; unset in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  API_KEY_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
});

export interface RuntimeConfig {
  tables: { epochs: string; apiKeys: string };
  appSecret: string;
  dynamodbEndpoint?: string;
  region?: string;
  apiKeyCacheTtlMs: number;
}

/** Reads the function's configuration once; a missing or bad variable throws a ConfigError naming it. */
export function loadRuntimeConfig(env: Record<string, string | undefined> = process.env): RuntimeConfig {
  const e = parseEnv(RuntimeConfigSchema, env);
  return {
    tables: { epochs: e.TABLE_EPOCHS, apiKeys: e.TABLE_API_KEYS },
    appSecret: e.APP_SECRET,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    region: e.AWS_REGION,
    apiKeyCacheTtlMs: e.API_KEY_CACHE_TTL_SECONDS * 1000,
  };
}
