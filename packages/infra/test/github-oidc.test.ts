import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { addSecurityChecks } from "../src/checks.ts";
import { defineGithubCi, type GithubCiInput, resolveGithubCi } from "../src/config/github.ts";
import { addGithubOidc } from "../src/meridian-app.ts";
import { testApp, validate } from "./helpers.ts";

function oidc(input: Partial<GithubCiInput> = {}) {
  const app = testApp();
  const stack = addGithubOidc(app, defineGithubCi({ repository: "acme/meridian", ...input }));
  return { app, stack, template: Template.fromStack(stack) };
}

const SUB = "token.actions.githubusercontent.com:sub";
const AUD = "token.actions.githubusercontent.com:aud";

function trustOf(template: Template, roleName: string) {
  const roles = Object.values(
    template.findResources("AWS::IAM::Role", { Properties: { RoleName: roleName } }),
  );
  expect(roles).toHaveLength(1);
  const statements = (roles[0] as { Properties: { AssumeRolePolicyDocument: { Statement: unknown[] } } })
    .Properties.AssumeRolePolicyDocument.Statement;
  expect(statements).toHaveLength(1);
  return statements[0] as {
    Action: string;
    Principal: { Federated: unknown };
    Condition: Record<string, Record<string, unknown>>;
  };
}

describe("GitHub OIDC deploy roles", () => {
  it("creates GitHub's OIDC provider for the STS audience", () => {
    oidc().template.hasResourceProperties("AWS::IAM::OIDCProvider", {
      Url: "https://token.actions.githubusercontent.com",
      ClientIdList: ["sts.amazonaws.com"],
    });
  });

  it("trusts the repo's main branch, tags and deploy environments; previews get their own role", () => {
    // Act
    const { template } = oidc();
    const deploy = trustOf(template, "meridian-github-deploy");
    const preview = trustOf(template, "meridian-github-preview");

    // Assess
    for (const trust of [deploy, preview]) {
      expect(trust.Action).toBe("sts:AssumeRoleWithWebIdentity");
      expect(trust.Principal.Federated).toEqual({ Ref: expect.stringMatching(/^GithubProvider/) });
      expect(trust.Condition.StringEquals).toEqual({ [AUD]: "sts.amazonaws.com" });
    }
    expect(deploy.Condition.StringLike).toEqual({
      [SUB]: [
        "repo:acme/meridian:ref:refs/heads/main",
        "repo:acme/meridian:ref:refs/tags/*",
        "repo:acme/meridian:environment:staging",
        "repo:acme/meridian:environment:production",
      ],
    });
    expect(preview.Condition.StringLike).toEqual({
      [SUB]: ["repo:acme/meridian:environment:preview", "repo:acme/meridian:pull_request"],
    });
  });

  it("lets each role do nothing but assume this account's CDK bootstrap roles", () => {
    const { template } = oidc();
    const policies = Object.values(template.findResources("AWS::IAM::Policy"));
    expect(policies).toHaveLength(2);
    const bootstrapArn = (kind: string) => ({
      "Fn::Join": [
        "",
        [
          "arn:",
          { Ref: "AWS::Partition" },
          ":iam::",
          { Ref: "AWS::AccountId" },
          `:role/cdk-hnb659fds-${kind}-role-`,
          { Ref: "AWS::AccountId" },
          "-*",
        ],
      ],
    });
    for (const policy of policies) {
      expect((policy as { Properties: { PolicyDocument: unknown } }).Properties.PolicyDocument).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Resource: ["deploy", "file-publishing", "lookup"].map(bootstrapArn),
          },
        ],
      });
    }
    template.allResourcesProperties("AWS::IAM::Role", {
      ManagedPolicyArns: Match.absent(),
      MaxSessionDuration: 3600,
    });
  });

  it("reuses the account's existing provider and can leave out tags and pull requests", () => {
    const { template } = oidc({
      createOidcProvider: false,
      allowTags: false,
      allowPullRequests: false,
      environments: [],
      previewEnvironments: [],
    });
    template.resourceCountIs("AWS::IAM::OIDCProvider", 0);
    template.resourceCountIs("AWS::IAM::Role", 1);
    const deploy = trustOf(template, "meridian-github-deploy");
    expect(JSON.stringify(deploy.Principal.Federated)).toContain(
      ":oidc-provider/token.actions.githubusercontent.com",
    );
    expect(deploy.Condition.StringLike).toEqual({ [SUB]: ["repo:acme/meridian:ref:refs/heads/main"] });
  });

  it("passes the security gates", () => {
    const { app } = oidc();
    addSecurityChecks(app);
    expect(validate(app).findings).toEqual([]);
  });

  it("is only built for a known repository, never a placeholder", () => {
    expect(resolveGithubCi(undefined, {})).toBeUndefined();
    expect(resolveGithubCi(undefined, { GITHUB_REPOSITORY: "acme/meridian" })?.repository).toBe(
      "acme/meridian",
    );
    expect(() => defineGithubCi({ repository: "not a repo" })).toThrow(/owner\/repo/);
  });
});
