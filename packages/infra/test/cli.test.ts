import { describe, expect, it } from "vitest";
import { planCdk } from "../src/cli.ts";

const env = { USER: "alice" };

describe("npm run synth|diff|deploy|destroy", () => {
  it("synthesizes every named stage when no stage is given", () => {
    expect(planCdk("synth", [], env)).toEqual({ args: ["synth", "--quiet"] });
  });

  it("deploys the named stage's stacks and passes other options to cdk", () => {
    expect(planCdk("deploy", ["--stage", "staging", "--require-approval", "never"], env)).toEqual({
      args: ["deploy", "-c", "stage=staging", "--all", "--require-approval", "never"],
    });
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
