import { clientBudget } from "@meridian/adapters";
import { type AppSecret, BUDGETS, parseAppSecret } from "@meridian/core";
import { noTracing, type Tracing } from "./tracing/tracing.ts";

/**
 * Returns the app secret's ring (`parseAppSecret`: a plain string is version 1, or the JSON form with
 * several versions): from the value itself, or (in AWS) from the Secrets Manager secret named by an ARN or
 * name, read once at cold start and kept for the life of the execution environment. Nothing reads it again:
 * a new value reaches an environment only when Lambda starts a new one (docs/operations.md, "Rotating the
 * app secret"). A malformed value stops the cold start with a ConfigError naming the variable, never the
 * value. With tracing on, the Secrets Manager client is instrumented like the DynamoDB one (at cold start
 * X-Ray has no invocation to attach the call to, so it shows only in Lambda's own init segment).
 */
export async function resolveAppSecret(
  secret: string | { arn: string },
  region?: string,
  tracing: Tracing = noTracing,
): Promise<AppSecret> {
  if (typeof secret === "string") return parseAppSecret(secret, "APP_SECRET");
  // Loaded only when needed: local runs never pay for the Secrets Manager client at cold start.
  const { GetSecretValueCommand, SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
  const client = tracing.captureClient(new SecretsManagerClient({ region, ...clientBudget(BUDGETS.secret) }));
  try {
    const { SecretString } = await client.send(new GetSecretValueCommand({ SecretId: secret.arn }));
    return parseAppSecret(SecretString ?? "", "the secret APP_SECRET_ARN names");
  } finally {
    client.destroy();
  }
}
