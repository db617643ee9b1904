import { ConfigError } from "@meridian/core";

/**
 * Returns the app secret: the value itself, or (in AWS) the Secrets Manager secret named by an ARN or
 * name, read once at cold start and kept for the life of the execution environment (rotating it means a
 * redeploy).
 */
export async function resolveAppSecret(secret: string | { arn: string }, region?: string): Promise<string> {
  if (typeof secret === "string") return secret;
  // Loaded only when needed: local runs never pay for the Secrets Manager client at cold start.
  const { GetSecretValueCommand, SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
  const client = new SecretsManagerClient({ region });
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secret.arn }));
    if (!SecretString || SecretString.length < 32) {
      throw new ConfigError("APP_SECRET_ARN names a secret whose value is shorter than 32 characters");
    }
    return SecretString;
  } finally {
    client.destroy();
  }
}
