import { parseEnv } from "@meridian/core";
import { z } from "zod";

const RuntimeConfigSchema = z.object({
  TABLE_EPOCHS: z.string().min(3),
  TABLE_API_KEYS: z.string().min(3),
  /** Secret that peppers API-key hashes and signs cursors (local runs); at least 32 characters. */
  APP_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  /** In AWS: the Secrets Manager secret holding that value, read once at cold start. */
  APP_SECRET_ARN: z.string().startsWith("arn:").optional(),
  /** DynamoDB Local or another endpoint; unset in AWS. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  API_KEY_CACHE_TTL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
});

export interface RuntimeConfig {
  /** Where the app secret comes from; `resolveAppSecret` turns an ARN into the value. */
  tables: { epochs: string; apiKeys: string };
  appSecret: string | { arn: string };
  dynamodbEndpoint?: string;
  region?: string;
  apiKeyCacheTtlMs: number;
}

/** Reads the function's configuration once; a missing or bad variable throws a ConfigError naming it. */
export function loadRuntimeConfig(env: Record<string, string | undefined> = process.env): RuntimeConfig {
  const e = parseEnv(
    RuntimeConfigSchema.refine((v) => v.APP_SECRET !== undefined || v.APP_SECRET_ARN !== undefined, {
      path: ["APP_SECRET_ARN"],
      message: "set APP_SECRET_ARN (in AWS) or APP_SECRET (locally)",
      // Report it together with other missing variables, not only once they are fixed.
      when: () => true,
    }),
    env,
  );
  return {
    tables: { epochs: e.TABLE_EPOCHS, apiKeys: e.TABLE_API_KEYS },
    appSecret: e.APP_SECRET ?? { arn: e.APP_SECRET_ARN as string },
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    region: e.AWS_REGION,
    apiKeyCacheTtlMs: e.API_KEY_CACHE_TTL_SECONDS * 1000,
  };
}
