import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { getProfileName, loadSharedConfigFiles } from "@smithy/core/config";

/** What `npm run diff|deploy|destroy` needs before cdk starts: whose credentials and which region. */
export interface AwsSetupRequest {
  /** The command, for the messages (`deploy`). */
  command: string;
  /** cdk's `--profile`, when given; otherwise AWS_PROFILE or `default`, as the SDK picks. */
  profile?: string;
  /** Our `--region`, when given. */
  region?: string;
  /** How long the credential chain may take (an SSO or container endpoint that does not answer). */
  timeoutMs?: number;
}

export type AwsSetup = { ok: true; region: string } | { ok: false; problem: string };

const HOW_TO_SIGN_IN = [
  "  aws configure sso              (once) a profile that signs in through IAM Identity Center",
  "  aws sso login --profile <p>    (when its session has expired)",
  "  then AWS_PROFILE=<p> npm run <command> -- ...   (or add cdk's --profile <p>)",
  "  or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN) in the environment",
].join("\n");

const HOW_TO_PICK_A_REGION = [
  "  npm run <command> -- --region eu-west-1 ...   (this run)",
  "  export AWS_REGION=eu-west-1   (this shell)",
  "  aws configure set region eu-west-1 --profile <p>   (the profile; `aws configure sso` asks for it)",
  "cdk's own calls (looking up the account) use that region; the stacks go to the stage's own regions",
  "(packages/infra/src/config/stages.ts).",
].join("\n");

/**
 * Checks that cdk will have credentials and a region: the SDK's default credential chain (environment, SSO
 * cache, web identity, the shared files' profiles and credential_process, container and instance roles)
 * must resolve within `timeoutMs` (no STS call of its own: only SSO and role profiles call out to get
 * their credentials, as they will for cdk), and a region must be set by `--region`,
 * AWS_REGION, AWS_DEFAULT_REGION or the profile, which cdk reads in that order (cdk itself would fall back
 * to an instance's region or us-east-1 without a word; we ask instead). Done before cdk bundles the
 * functions, so a missing login costs a second, not half a minute.
 */
export async function checkAwsSetup(request: AwsSetupRequest): Promise<AwsSetup> {
  const how = (text: string) => text.replaceAll("<command>", request.command);
  const problems: string[] = [];
  const profile = getProfileName({ profile: request.profile });

  const credentials = await resolveCredentials(request.profile, request.timeoutMs ?? 5_000);
  if (credentials) {
    problems.push(
      `No AWS credentials for \`npm run ${request.command}\` (profile ${profile}: ${credentials}).\n` +
        `Sign in, then run it again:\n${how(HOW_TO_SIGN_IN)}`,
    );
  }

  const region = request.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const fromProfile = region ? undefined : await profileRegion(profile);
  if (!region && !fromProfile) {
    problems.push(
      `No AWS region for \`npm run ${request.command}\` (none in --region, AWS_REGION, AWS_DEFAULT_REGION ` +
        `or profile ${profile}). Set one, then run it again:\n${how(HOW_TO_PICK_A_REGION)}`,
    );
  }
  const resolved = region ?? fromProfile;
  if (problems.length > 0 || !resolved) return { ok: false, problem: problems.join("\n\n") };
  return { ok: true, region: resolved };
}

/** Undefined once the chain gives credentials; otherwise why not, in one line. */
async function resolveCredentials(
  profile: string | undefined,
  timeoutMs: number,
): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${timeoutMs / 1000} s`), timeoutMs);
  });
  // The instance and container metadata services are asked once, briefly: off AWS nothing answers there.
  const chain = defaultProvider({ ...(profile ? { profile } : {}), timeout: 1_000, maxRetries: 0 })().then(
    (identity) => (identity.accessKeyId ? undefined : "an empty access key id"),
    (error: unknown) => firstLine(error),
  );
  try {
    return await Promise.race([chain, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function profileRegion(profile: string): Promise<string | undefined> {
  try {
    const { configFile } = await loadSharedConfigFiles({ ignoreCache: true });
    return configFile[profile]?.region || undefined;
  } catch {
    return undefined;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]?.trim() || "unknown error";
}
