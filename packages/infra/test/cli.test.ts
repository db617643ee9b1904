import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import type { AwsSetup, AwsSetupRequest } from "../src/aws-setup.ts";
import { planCdk } from "../src/cli.ts";

const env = { USER: "alice" };

describe("npm run synth|diff|deploy|destroy", () => {
  it("synthesizes every named stage when no stage is given", () => {
    expect(planCdk("synth", [], env)).toEqual({ args: ["synth", "--quiet"] });
  });

  it("deploys the named stage's stacks and passes other options to cdk", () => {
    expect(planCdk("deploy", ["--stage", "staging", "--require-approval", "never"], env).args).toEqual([
      "deploy",
      "-c",
      "stage=staging",
      "--all",
      "--require-approval",
      "never",
    ]);
    expect(planCdk("diff", ["--stage=prod"], env).args).toEqual(["diff", "-c", "stage=prod"]);
  });

  it("deploys your personal stage when no stage is given, never prod", () => {
    expect(planCdk("deploy", [], env).args).toEqual(["deploy", "-c", "stage=alice", "--all"]);
  });

  it("refuses to destroy prod", () => {
    const plan = planCdk("destroy", ["--stage", "prod", "--force"], env);
    expect(plan.args).toEqual([]);
    expect(plan.refusal).toMatch(/^Refusing to destroy prod/);
    expect(planCdk("destroy", ["--stage", "dev"], env).args).toEqual(["destroy", "-c", "stage=dev", "--all"]);
  });

  it("does not wait for prompts in CI", () => {
    const ci = { ...env, CI: "true" };
    expect(planCdk("deploy", ["--stage", "staging"], ci).args).toEqual([
      "deploy",
      "-c",
      "stage=staging",
      "--all",
      "--require-approval",
      "never",
    ]);
    expect(planCdk("destroy", ["--stage", "pr-12"], ci).args).toEqual([
      "destroy",
      "-c",
      "stage=pr-12",
      "--all",
      "--force",
    ]);
    expect(planCdk("destroy", ["--stage", "prod"], ci).refusal).toMatch(/^Refusing/);
  });

  it("targets the GitHub OIDC stack on request", () => {
    expect(planCdk("deploy", ["--github-oidc", "--github-repository", "acme/meridian"], env).args).toEqual([
      "deploy",
      "-c",
      "githubRepository=acme/meridian",
      "-c",
      "target=github-oidc",
      "--all",
    ]);
    expect(planCdk("deploy", ["--github-oidc", "--stage", "dev"], env).refusal).toMatch(/either/);
    expect(planCdk("deploy", ["--github-oidc"], env).refusal).toMatch(/needs the repository/);
  });

  it("rejects unknown commands with the usage", () => {
    expect(planCdk("bootstrap", [], env).refusal).toMatch(/Usage: npm run/);
  });
});

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const AWS_SETUP = new URL("../src/aws-setup.ts", import.meta.url).href;
const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** A HOME of its own, with `~/.aws/config` and `~/.aws/credentials` as given (absent when undefined). */
function awsHome(files: { config?: string; credentials?: string } = {}): string {
  const home = mkdtempSync(join(tmpdir(), "meridian-aws-home-"));
  homes.push(home);
  mkdirSync(join(home, ".aws"));
  if (files.config !== undefined) writeFileSync(join(home, ".aws", "config"), files.config);
  if (files.credentials !== undefined) writeFileSync(join(home, ".aws", "credentials"), files.credentials);
  return home;
}

/**
 * A process environment with nothing of the caller's AWS setup: only PATH, HOME and `extra`. The instance
 * metadata service is off, so a test machine that runs on EC2 does not lend its own role.
 */
const cleanEnv = (home: string, extra: Record<string, string> = {}) => ({
  PATH: process.env.PATH ?? "",
  HOME: home,
  USER: "alice",
  AWS_EC2_METADATA_DISABLED: "true",
  ...extra,
});

function spawnNode(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string; ms: number }>(
    (resolve, reject) => {
      const started = Date.now();
      const child = spawn(process.execPath, ["--import", "tsx", ...args], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
      child.once("error", reject);
      child.once("close", (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
    },
  );
}

/** `checkAwsSetup` in a process of its own, which sees only `env` (the SDK reads process.env and HOME). */
async function checkIn(env: Record<string, string>, request: AwsSetupRequest): Promise<AwsSetup> {
  const script = `import(${JSON.stringify(AWS_SETUP)}).then(async ({ checkAwsSetup }) =>
    process.stdout.write(JSON.stringify(await checkAwsSetup(${JSON.stringify(request)}))))`;
  const { stdout, stderr } = await spawnNode(["-e", script], env);
  if (!stdout) throw new Error(stderr);
  return JSON.parse(stdout) as AwsSetup;
}

const KEYS = { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SECRET_ACCESS_KEY: "not-a-real-secret-key" };

describe("npm run diff|deploy|destroy before cdk starts", () => {
  it("stops at once without credentials or a region, and says how to set both", async () => {
    // Act
    const result = await spawnNode([CLI, "deploy", "--stage", "dev"], cleanEnv(awsHome()));

    // Assess: exit 1 within seconds (cdk bundling would take half a minute), no stack trace, cdk never ran.
    expect(result.code).toBe(1);
    expect(result.ms).toBeLessThan(15_000);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("No AWS credentials for `npm run deploy` (profile default:");
    expect(result.stderr).toContain("aws configure sso");
    expect(result.stderr).toContain("AWS_PROFILE=<p> npm run deploy -- ...");
    expect(result.stderr).toContain("No AWS region for `npm run deploy`");
    expect(result.stderr).toContain("npm run deploy -- --region eu-west-1");
    expect(result.stderr).toContain("export AWS_REGION=eu-west-1");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("names the profile whose SSO login is missing, and takes the region from that profile", async () => {
    // Prepare: `aws configure sso` wrote this profile; `aws sso login` never ran (no cached token).
    const home = awsHome({
      config: [
        "[profile work]",
        "sso_session = acme",
        "sso_account_id = 123456789012",
        "sso_role_name = Deployer",
        "region = eu-central-1",
        "[sso-session acme]",
        "sso_start_url = https://acme.awsapps.com/start",
        "sso_region = eu-west-1",
        "sso_registration_scopes = sso:account:access",
        "",
      ].join("\n"),
    });

    // Act
    const result = await spawnNode([CLI, "diff", "--stage", "dev"], cleanEnv(home, { AWS_PROFILE: "work" }));

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("No AWS credentials for `npm run diff` (profile work:");
    expect(result.stderr).toContain("aws sso login --profile <p>");
    expect(result.stderr).not.toContain("No AWS region");
  });

  it("asks only for a region when the environment holds keys", async () => {
    // Act
    const result = await spawnNode([CLI, "destroy", "--stage", "dev"], cleanEnv(awsHome(), KEYS));

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).not.toContain("No AWS credentials");
    expect(result.stderr).toContain("No AWS region for `npm run destroy`");
  });

  it("passes with a profile's keys and region from the shared files, or keys and --region", async () => {
    // Prepare
    const home = awsHome({
      config: "[default]\nregion = eu-west-1\n[profile ci]\nregion = us-east-2\n",
      credentials: `[default]\naws_access_key_id = ${KEYS.AWS_ACCESS_KEY_ID}\naws_secret_access_key = x\n[ci]\naws_access_key_id = ${KEYS.AWS_ACCESS_KEY_ID}\naws_secret_access_key = y\n`,
    });
    const viaProfileFlag = planCdk("deploy", ["--stage", "dev", "--profile", "ci"], { USER: "alice" });
    const viaRegionFlag = planCdk("deploy", ["--stage", "dev", "--region", "ap-south-1"], { USER: "alice" });

    // Act
    const fromFiles = await checkIn(cleanEnv(home), { command: "deploy" });
    const fromCdkProfile = await checkIn(cleanEnv(home), { command: "deploy", ...viaProfileFlag.aws });
    const fromFlag = await checkIn(cleanEnv(awsHome(), KEYS), { command: "deploy", ...viaRegionFlag.aws });
    const wrongProfile = await checkIn(cleanEnv(home, { AWS_PROFILE: "nobody" }), { command: "deploy" });

    // Assess
    expect(fromFiles).toEqual({ ok: true, region: "eu-west-1" });
    expect(fromCdkProfile).toEqual({ ok: true, region: "us-east-2" });
    expect(viaProfileFlag.args).toContain("--profile");
    expect(fromFlag).toEqual({ ok: true, region: "ap-south-1" });
    expect(viaRegionFlag.region).toBe("ap-south-1");
    expect(viaRegionFlag.args).not.toContain("--region");
    expect(wrongProfile.ok).toBe(false);
  });

  it("checks nothing for synth, which runs offline", () => {
    expect(planCdk("synth", [], env).aws).toBeUndefined();
    expect(planCdk("synth", ["--stage", "dev"], env).aws).toBeUndefined();
    expect(planCdk("diff", [], env).aws).toEqual({});
    expect(planCdk("deploy", ["--region", "Ireland"], env).refusal).toMatch(/--region needs an AWS region/);
  });
});
