import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ConfigError } from "@meridian/core";
import type { RuntimeConfig } from "./config.ts";

/**
 * Reads the app secret from Secrets Manager once (at cold start) when the config names an ARN.
 * The value is cached for the life of the execution environment; rotating it means a redeploy.
 */
export async function resolveAppSecret(
  config: RuntimeConfig,
): Promise<RuntimeConfig & { appSecret: string }> {
  if (typeof config.appSecret === "string") return { ...config, appSecret: config.appSecret };
  const client = new SecretsManagerClient({ region: config.region });
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: config.appSecret.arn }));
    if (!SecretString || SecretString.length < 32) {
      throw new ConfigError("APP_SECRET_ARN names a secret whose value is shorter than 32 characters");
    }
    return { ...config, appSecret: SecretString };
  } finally {
    client.destroy();
  }
}
