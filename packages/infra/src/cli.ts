import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkAwsSetup } from "./aws-setup.ts";
import { resolveStage } from "./config/stages.ts";

const USAGE = `Usage: npm run <synth|diff|deploy|destroy> -- [--stage <name>] [--region <r>] [--github-oidc] [cdk options]

  --stage <name>       dev, staging, prod, or any other name for a personal stage
                       (synth: every named stage when omitted; diff/deploy/destroy: your personal stage, from USER)
  --github-oidc        the GitHub OIDC deploy-role stack instead of a stage (needs --github-repository or
                       MERIDIAN_GITHUB_REPOSITORY / GITHUB_REPOSITORY)
  --github-repository <owner/repo>
  --region <r>         the region of cdk's own calls, such as looking up the account (AWS_REGION for this
                       run); the stacks go to the stage's regions
  anything else        passed to the cdk CLI unchanged (e.g. --profile <p>, --require-approval never, --force)

synth works offline, with no AWS account. diff, deploy and destroy first check, before bundling, that
credentials (aws configure sso, AWS_PROFILE or --profile, or AWS_ACCESS_KEY_ID...) and a region (--region,
AWS_REGION or the profile's) are set, and say how to set them when not.

destroy refuses prod. When CI is set (GitHub Actions sets it), deploy adds --require-approval never and
destroy adds --force, since nobody can answer cdk's prompts there.`;

const COMMANDS = ["synth", "diff", "deploy", "destroy"] as const;
type Command = (typeof COMMANDS)[number];

export interface CdkInvocation {
  args: string[];
  /** Set when the command talks to AWS: what to check before cdk starts (cdk's --profile, our --region). */
  aws?: { profile?: string; region?: string };
  /** Our `--region`, given to cdk as AWS_REGION. */
  region?: string;
  /** Set when the request is refused; `args` is then empty. */
  refusal?: string;
}

/** Turns `<command> [--stage x] ...` into the cdk CLI's arguments. Pure, so it is tested without running cdk. */
export function planCdk(
  command: string | undefined,
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): CdkInvocation {
  if (!command || !(COMMANDS as readonly string[]).includes(command)) {
    return { args: [], refusal: `Unknown command "${command ?? ""}".\n\n${USAGE}` };
  }
  let stage: string | undefined;
  let githubOidc = false;
  let repository: string | undefined;
  let region: string | undefined;
  let profile: string | undefined;
  const passthrough: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? arg.split("=", 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === "--stage") stage = value();
    else if (flag === "--github-oidc") githubOidc = true;
    else if (flag === "--github-repository") repository = value();
    else if (flag === "--region") region = value();
    else if (flag === "--help" || flag === "-h") return { args: [], refusal: USAGE };
    else {
      // cdk's own --profile stays on its command line; the credential check must use the same profile.
      if (flag === "--profile") profile = inline ?? argv[i + 1];
      passthrough.push(arg);
    }
  }
  if (region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    return { args: [], refusal: `--region needs an AWS region such as eu-west-1, not "${region}".` };
  }
  const cmd = command as Command;
  const context: string[] = repository ? ["-c", `githubRepository=${repository}`] : [];

  if (githubOidc) {
    if (stage) return { args: [], refusal: "Use either --stage or --github-oidc, not both." };
    if (!repository && !env.MERIDIAN_GITHUB_REPOSITORY && !env.GITHUB_REPOSITORY) {
      return {
        args: [],
        refusal: "--github-oidc needs the repository to trust: --github-repository <owner>/<repo>.",
      };
    }
    context.push("-c", "target=github-oidc");
  } else if (stage !== undefined || cmd !== "synth") {
    // Without --stage, anything that touches AWS works on your personal stage: never prod by accident.
    const resolved = resolveStage(stage, env);
    if (cmd === "destroy" && resolved.kind === "prod") {
      return {
        args: [],
        refusal:
          "Refusing to destroy prod. Its tables and secret are RETAINed and its stacks have termination " +
          "protection; removing production is a manual, reviewed operation (see docs/deploy.md).",
      };
    }
    context.push("-c", `stage=${resolved.name}`);
  }

  const ci = Boolean(env.CI) && env.CI !== "false";
  const has = (flag: string) => passthrough.some((arg) => arg === flag || arg.startsWith(`${flag}=`));
  const perCommand: Record<Command, string[]> = {
    synth: ["--quiet"],
    // `cdk diff` compares every stack of the app when none is named; it has no --all option.
    diff: [],
    deploy: ["--all", ...(ci && !has("--require-approval") ? ["--require-approval", "never"] : [])],
    destroy: ["--all", ...(ci && !has("--force") && !has("-f") ? ["--force"] : [])],
  };
  return {
    args: [cmd, ...context, ...perCommand[cmd], ...passthrough],
    ...(cmd === "synth" ? {} : { aws: { ...(profile ? { profile } : {}), ...(region ? { region } : {}) } }),
    ...(region ? { region } : {}),
  };
}

async function main(): Promise<number> {
  const [command, ...argv] = process.argv.slice(2);
  let plan: CdkInvocation;
  try {
    plan = planCdk(command, argv);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  if (plan.refusal) {
    console.error(plan.refusal);
    return command === undefined || argv.includes("--help") ? 0 : 2;
  }
  if (plan.aws) {
    const setup = await checkAwsSetup({ command: command as string, ...plan.aws });
    if (!setup.ok) {
      console.error(setup.problem);
      return 1;
    }
  }
  const cdk = createRequire(import.meta.url).resolve("aws-cdk/bin/cdk");
  const result = spawnSync(process.execPath, [cdk, ...plan.args], {
    cwd: join(dirname(fileURLToPath(import.meta.url)), ".."),
    stdio: "inherit",
    env: {
      ...process.env,
      ...(plan.region ? { AWS_REGION: plan.region } : {}),
      CDK_DISABLE_CLI_TELEMETRY: "true",
      CDK_DISABLE_VERSION_CHECK: "1",
    },
  });
  return result.status ?? 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then((code) => {
    process.exitCode = code;
  });
}
