import { resolveStage } from "../config/stages.ts";
import { StageCliError, UsageError } from "./cli-support.ts";

/** A deployed stage in one of its regions: what every `--stage` command works on. */
export interface StageTarget {
  stage: string;
  region: string;
}

const HOW_TO_CONFIGURE =
  "Configure credentials with `aws configure sso` (then `aws sso login` and AWS_PROFILE=<profile>), or set " +
  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones).";

/**
 * The stage named by `--stage` (dev, staging, prod or a personal stage, as config/stages.ts defines them) and
 * the region to use: `--region` when given, which must be one of the stage's regions, else the stage's first.
 */
export function resolveTarget(
  stage: string | undefined,
  region: string | undefined,
  env: Record<string, string | undefined> = process.env,
): StageTarget {
  if (!stage) throw new UsageError("--stage <name> is required (dev, staging, prod or a personal stage)");
  let config: ReturnType<typeof resolveStage>;
  try {
    config = resolveStage(stage, env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [first] = config.regions;
  if (!first) throw new StageCliError(`Stage ${config.name} has no region`);
  if (region && !config.regions.includes(region)) {
    throw new UsageError(
      `Stage ${config.name} is not deployed to ${region}: its regions are ${config.regions.join(", ")} (--region)`,
    );
  }
  return { stage: config.name, region: region ?? first };
}

const CREDENTIALS_TIMEOUT_MS = 5000;

/** A client's resolved `config.credentials`: the provider of the default chain (or fixed credentials). */
export type CredentialSource = (() => Promise<{ accessKeyId: string }>) | { accessKeyId: string };

/**
 * Resolves the credentials a client will sign with (the SDK's default chain: environment, SSO, profiles,
 * container and instance roles) before any call is made, so a missing or expired login is said up front,
 * with how to fix it, instead of as the first call's stack trace.
 */
export async function checkCredentials(credentials: CredentialSource, target: StageTarget): Promise<void> {
  try {
    const identity =
      typeof credentials === "function"
        ? await Promise.race([
            credentials(),
            new Promise<never>((_, reject) => {
              // An SSO or container endpoint that does not answer must not hang the command.
              setTimeout(
                () => reject(new Error(`no answer within ${CREDENTIALS_TIMEOUT_MS} ms`)),
                CREDENTIALS_TIMEOUT_MS,
              ).unref();
            }),
          ])
        : credentials;
    if (!identity.accessKeyId) throw new Error("empty access key id");
  } catch (error) {
    throw new StageCliError(
      `No usable AWS credentials for stage ${target.stage} in ${target.region} (${(error as Error).message}).\n${HOW_TO_CONFIGURE}`,
    );
  }
}

const CREDENTIAL_ERRORS = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "TokenRefreshRequired",
  "CredentialsProviderError",
]);

/**
 * An AWS error as the person at the terminal can act on it: rejected credentials and missing permissions
 * say so and how to fix them; anything else keeps the service's own message.
 */
export function describeAwsError(error: unknown, doing: string): Error {
  if (error instanceof StageCliError || error instanceof UsageError) return error;
  const name = (error as { name?: string }).name ?? "";
  const message = (error as Error).message ?? String(error);
  if (CREDENTIAL_ERRORS.has(name))
    return new StageCliError(`AWS refused the credentials while ${doing}: ${message}\n${HOW_TO_CONFIGURE}`);
  if (/AccessDenied|NotAuthorized|Forbidden/i.test(name))
    return new StageCliError(`Not allowed while ${doing}: ${message}`);
  return new StageCliError(`Failed while ${doing}: ${name ? `${name}: ` : ""}${message}`);
}
