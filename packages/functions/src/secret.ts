import { clientBudget } from "@meridian/adapters";
import { BUDGETS, ConfigError } from "@meridian/core";
import { noTracing, type Tracing } from "./tracing/tracing.ts";

/**
 * Returns the app secret: the value itself, or (in AWS) the Secrets Manager secret named by an ARN or
 * name, read once at cold start and kept for the life of the execution environment (rotating it means a
 * redeploy). With tracing on, the Secrets Manager client is instrumented like the DynamoDB one (at cold
 * start X-Ray has no invocation to attach the call to, so it shows only in Lambda's own init segment).
 */
export async function resolveAppSecret(
  secret: string | { arn: string },
  region?: string,
  tracing: Tracing = noTracing,
): Promise<string> {
  if (typeof secret === "string") return secret;
  // Loaded only when needed: local runs never pay for the Secrets Manager client at cold start.
  const { GetSecretValueCommand, SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
  const client = tracing.captureClient(new SecretsManagerClient({ region, ...clientBudget(BUDGETS.secret) }));
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
