import { readFileSync } from "node:fs";
import { Template } from "aws-cdk-lib/assertions";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { addSecurityChecks } from "../src/checks.ts";
import {
  DEPLOY_ROLE_NAME,
  defineGithubCi,
  type GithubCiInput,
  PREVIEW_BOUNDARY_NAME,
  PREVIEW_EXECUTION_ROLE_NAME,
  PREVIEW_ROLE_NAME,
  previewCdkContext,
  resolveGithubCi,
} from "../src/config/github.ts";
import { addGithubOidc, addStage } from "../src/meridian-app.ts";
import { stageConfig, testApp, validate, WEB_ASSETS_DIR } from "./helpers.ts";

const ACCOUNT = "123456789012";
const HOST = "token.actions.githubusercontent.com";
const REPO = { repository: "acme/meridian", repositoryId: 123456 } as const;

function oidc(input: Partial<GithubCiInput> = {}) {
  const app = testApp();
  const stack = addGithubOidc(app, defineGithubCi({ ...REPO, ...input }));
  return { app, stack, template: Template.fromStack(stack) };
}

// ---------------------------------------------------------------------------------------------------------------
// A small model of the synthesized IAM: ARNs resolved for one account, and an Allow evaluator good enough for the
// policies here (StringEquals, StringLike, ArnLike; a missing condition key never matches, as in IAM).

type Json = Record<string, unknown>;
interface Statement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action?: string | string[];
  Resource?: unknown;
  Principal?: Json;
  Condition?: Record<string, Record<string, unknown>>;
}

function model(template: Template) {
  const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (value === null || typeof value !== "object") return value;
    const v = value as Json;
    if (v.Ref === "AWS::Partition") return "aws";
    if (v.Ref === "AWS::AccountId") return ACCOUNT;
    if (typeof v.Ref === "string") {
      const target = resources[v.Ref];
      if (target?.Type === "AWS::IAM::ManagedPolicy") {
        return `arn:aws:iam::${ACCOUNT}:policy/${target.Properties.ManagedPolicyName}`;
      }
      if (target?.Type === "AWS::IAM::OIDCProvider") return `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`;
      return `<${v.Ref}>`;
    }
    const getAtt = v["Fn::GetAtt"] as [string, string] | undefined;
    if (getAtt) {
      const target = resources[getAtt[0]];
      if (target?.Type === "AWS::IAM::Role")
        return `arn:aws:iam::${ACCOUNT}:role/${target.Properties.RoleName}`;
      return `<${getAtt.join(".")}>`;
    }
    const join = v["Fn::Join"] as [string, unknown[]] | undefined;
    if (join) return join[1].map(resolve).join(join[0]);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  };
  const roles = Object.entries(resources)
    .filter(([, r]) => r.Type === "AWS::IAM::Role")
    .map(([id, r]) => {
      const properties = resolve(r.Properties) as Json;
      const inline = Object.values(resources)
        .filter(
          (p) =>
            p.Type === "AWS::IAM::Policy" &&
            (p.Properties.Roles as Array<{ Ref: string }>).some((role) => role.Ref === id),
        )
        .flatMap((p) => (resolve(p.Properties.PolicyDocument) as { Statement: Statement[] }).Statement);
      const managed = ((properties.ManagedPolicyArns as string[] | undefined) ?? []).flatMap((arn) => {
        // AWS managed (aws-cdk-lib's bucket-notification handler has the basic execution role): not ours.
        if (arn.startsWith("arn:aws:iam::aws:policy/")) return [];
        const policy = Object.values(resources).find(
          (p) =>
            p.Type === "AWS::IAM::ManagedPolicy" && arn.endsWith(`:policy/${p.Properties.ManagedPolicyName}`),
        );
        if (!policy) throw new Error(`managed policy ${arn} is not in the template`);
        return (resolve(policy.Properties.PolicyDocument) as { Statement: Statement[] }).Statement;
      });
      return {
        id,
        name: properties.RoleName as string,
        arn: `arn:aws:iam::${ACCOUNT}:role/${properties.RoleName}`,
        boundary: properties.PermissionsBoundary as string | undefined,
        trust: (properties.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement,
        statements: [...inline, ...managed],
        managedPolicyArns: (properties.ManagedPolicyArns as string[] | undefined) ?? [],
      };
    });
  const managedPolicy = (name: string) => {
    const policy = Object.values(resources).find(
      (p) => p.Type === "AWS::IAM::ManagedPolicy" && p.Properties.ManagedPolicyName === name,
    );
    if (!policy) throw new Error(`no managed policy ${name}`);
    return (resolve(policy.Properties.PolicyDocument) as { Statement: Statement[] }).Statement;
  };
  const role = (name: string) => {
    const found = roles.find((r) => r.name === name);
    if (!found) throw new Error(`no role ${name}`);
    return found;
  };
  return { roles, role, managedPolicy, resolve };
}

const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  ).test(value);
const list = (value: unknown): string[] => (value === undefined ? [] : ([value].flat() as string[]));

/** Whether an Allow statement grants `action` on `resource` given the request's condition keys. */
function allows(
  statements: Statement[],
  action: string,
  resource: string,
  context: Record<string, string> = {},
): boolean {
  return statements.some((s) => {
    if (s.Effect !== "Allow") return false;
    if (!list(s.Action).some((a) => glob(a.toLowerCase(), action.toLowerCase()))) return false;
    if (!list(s.Resource).some((r) => glob(r, resource))) return false;
    return Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
      Object.entries(keys).every(([key, expected]) => {
        const actual = context[key];
        if (actual === undefined) return false;
        const values = list(expected);
        if (operator === "StringEquals") return values.includes(actual);
        if (operator === "StringLike" || operator === "ArnLike") return values.some((p) => glob(p, actual));
        throw new Error(`operator ${operator} is not modelled`);
      }),
    );
  });
}

const STACK = (name: string) => `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/${name}/abc`;
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/${PREVIEW_BOUNDARY_NAME}`;
const EXECUTION_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${PREVIEW_EXECUTION_ROLE_NAME}`;
const ADMIN_EXECUTION_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-cfn-exec-role-${ACCOUNT}-us-east-1`;

function githubTrust(statement: Statement) {
  return {
    action: statement.Action,
    federated: statement.Principal?.Federated,
    condition: statement.Condition,
  };
}

function expectedTrust(
  environment: string,
  workflowRefs: string[],
  sub = `repo:acme/meridian:environment:${environment}`,
) {
  return {
    action: "sts:AssumeRoleWithWebIdentity",
    federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST}`,
    condition: {
      StringEquals: {
        [`${HOST}:aud`]: "sts.amazonaws.com",
        [`${HOST}:sub`]: sub,
        [`${HOST}:repository_id`]: "123456",
      },
      StringLike: { [`${HOST}:job_workflow_ref`]: workflowRefs },
    },
  };
}

describe("GitHub OIDC roles: who may assume them", () => {
  it("creates GitHub's OIDC provider for the STS audience", () => {
    oidc().template.hasResourceProperties("AWS::IAM::OIDCProvider", {
      Url: "https://token.actions.githubusercontent.com",
      ClientIdList: ["sts.amazonaws.com"],
    });
  });

  it("trusts the deploy role to staging from main and production from v* tags, of deploy.yml, of this repository id", () => {
    // Act
    const deploy = model(oidc().template).role(DEPLOY_ROLE_NAME);

    // Assess: one statement per environment, nothing else (no bare branch, tag or pull_request subject).
    expect(deploy.trust.map(githubTrust)).toEqual([
      expectedTrust("staging", ["acme/meridian/.github/workflows/deploy.yml@refs/heads/main"]),
      expectedTrust("production", ["acme/meridian/.github/workflows/deploy.yml@refs/tags/v*"]),
    ]);
  });

  it("trusts the preview role to the preview environment of preview.yml on pull request refs, of this repository id", () => {
    const preview = model(oidc().template).role(PREVIEW_ROLE_NAME);
    expect(preview.trust.map(githubTrust)).toEqual([
      expectedTrust("preview", ["acme/meridian/.github/workflows/preview.yml@refs/pull/*/merge"]),
    ]);
  });

  it("trusts the preview execution role to CloudFormation only", () => {
    const execution = model(oidc().template).role(PREVIEW_EXECUTION_ROLE_NAME);
    expect(execution.trust).toEqual([
      {
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { Service: "cloudformation.amazonaws.com" },
      },
    ]);
  });

  it("matches sub and repository id exactly on every GitHub trust; no job outside an environment gets a role", () => {
    // Arrange: a tag push without `environment:`, a pull request job without one, another repository's job.
    const { roles } = model(oidc().template);
    const token = (sub: string, ref: string, repositoryId = "123456") => ({
      [`${HOST}:aud`]: "sts.amazonaws.com",
      [`${HOST}:sub`]: sub,
      [`${HOST}:repository_id`]: repositoryId,
      [`${HOST}:job_workflow_ref`]: `acme/meridian/.github/workflows/deploy.yml@${ref}`,
    });
    const canAssume = (context: Record<string, string>) =>
      roles.filter((role) =>
        role.trust.some(
          (s) =>
            s.Principal?.Federated && allows([{ ...s, Resource: "*" }], s.Action as string, "*", context),
        ),
      );

    // Assess
    for (const role of roles.filter((r) => r.trust.some((s) => s.Principal?.Federated))) {
      for (const statement of role.trust) {
        expect(Object.keys(statement.Condition ?? {}).sort()).toEqual(["StringEquals", "StringLike"]);
        expect(Object.keys(statement.Condition?.StringLike ?? {})).toEqual([`${HOST}:job_workflow_ref`]);
      }
    }
    expect(canAssume(token("repo:acme/meridian:ref:refs/tags/v9.9.9", "refs/tags/v9.9.9"))).toEqual([]);
    expect(canAssume(token("repo:acme/meridian:ref:refs/heads/main", "refs/heads/main"))).toEqual([]);
    expect(canAssume(token("repo:acme/meridian:pull_request", "refs/pull/7/merge"))).toEqual([]);
    // The same name and environment from a recreated repository (new id) is refused.
    expect(canAssume(token("repo:acme/meridian:environment:production", "refs/tags/v1.0.0", "999"))).toEqual(
      [],
    );
    // The production environment from a branch, or from another workflow file, is refused too.
    expect(canAssume(token("repo:acme/meridian:environment:production", "refs/heads/main"))).toEqual([]);
    expect(
      canAssume({
        ...token("repo:acme/meridian:environment:production", "refs/tags/v1.0.0"),
        [`${HOST}:job_workflow_ref`]: "acme/meridian/.github/workflows/other.yml@refs/tags/v1.0.0",
      }).map((r) => r.name),
    ).toEqual([]);
    expect(
      canAssume(token("repo:acme/meridian:environment:production", "refs/tags/v1.0.0")).map((r) => r.name),
    ).toEqual([DEPLOY_ROLE_NAME]);
  });

  it("uses the immutable subject (owner and repository ids) when the repository emits it", () => {
    const { template } = oidc({ subjectFormat: "immutable", ownerId: 42 });
    const deploy = model(template).role(DEPLOY_ROLE_NAME);
    expect(deploy.trust.map((s) => s.Condition?.StringEquals?.[`${HOST}:sub`])).toEqual([
      "repo:acme@42/meridian@123456:environment:staging",
      "repo:acme@42/meridian@123456:environment:production",
    ]);
  });
});

describe("GitHub OIDC roles: what they may do", () => {
  it("lets the deploy role do nothing but assume this account's CDK bootstrap roles", () => {
    const deploy = model(oidc().template).role(DEPLOY_ROLE_NAME);
    expect(deploy.statements).toEqual([
      {
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Resource: ["deploy", "file-publishing", "lookup"].map(
          (kind) => `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-${kind}-role-${ACCOUNT}-*`,
        ),
      },
    ]);
    expect(deploy.managedPolicyArns).toEqual([]);
    expect(deploy.boundary).toBeUndefined();
  });

  it("lets the preview role change meridian-pr-* stacks only as the execution role, and assume no role", () => {
    // Arrange
    const preview = model(oidc().template).role(PREVIEW_ROLE_NAME);
    const can = (action: string, resource: string, context: Record<string, string> = {}) =>
      allows(preview.statements, action, resource, context);

    // Assess
    expect(preview.boundary).toBe(BOUNDARY_ARN);
    expect(preview.managedPolicyArns).toEqual([]);
    const stsOrStar = preview.statements.flatMap((s) =>
      list(s.Action).filter((a) => a === "*" || a.startsWith("sts:") || a.endsWith(":*")),
    );
    expect(stsOrStar).toEqual([]);
    const roleArn = { "cloudformation:RoleArn": EXECUTION_ROLE_ARN };
    expect(can("cloudformation:CreateChangeSet", STACK("meridian-pr-7-stateless"), roleArn)).toBe(true);
    expect(can("cloudformation:DeleteStack", STACK("meridian-pr-7-stateful"), roleArn)).toBe(true);
    expect(can("cloudformation:ExecuteChangeSet", STACK("meridian-pr-7-stateless"))).toBe(true);
    // Never as another role (the bootstrap's administrator execution role), never without naming one.
    expect(
      can("cloudformation:CreateChangeSet", STACK("meridian-pr-7-stateless"), {
        "cloudformation:RoleArn": ADMIN_EXECUTION_ROLE_ARN,
      }),
    ).toBe(false);
    expect(can("cloudformation:CreateChangeSet", STACK("meridian-pr-7-stateless"))).toBe(false);
    // Never another stage's stacks: their own service role would act for whoever may update them.
    for (const stack of [
      "meridian-staging-stateless",
      "meridian-prod-stateful",
      "meridian-github-oidc",
      "CDKToolkit",
    ]) {
      expect(can("cloudformation:CreateChangeSet", STACK(stack), roleArn)).toBe(false);
      expect(can("cloudformation:ExecuteChangeSet", STACK(stack))).toBe(false);
    }
    const passed = { "iam:PassedToService": "cloudformation.amazonaws.com" };
    expect(can("iam:PassRole", EXECUTION_ROLE_ARN, passed)).toBe(true);
    expect(can("iam:PassRole", ADMIN_EXECUTION_ROLE_ARN, passed)).toBe(false);
    expect(can("iam:PassRole", EXECUTION_ROLE_ARN, { "iam:PassedToService": "lambda.amazonaws.com" })).toBe(
      false,
    );
    // Assets only in the preview qualifier's bucket: the deploy stages' bucket holds the code staging deploys.
    expect(can("s3:PutObject", `arn:aws:s3:::cdk-mrdnprev-assets-${ACCOUNT}-us-east-1/a.zip`)).toBe(true);
    expect(can("s3:PutObject", `arn:aws:s3:::cdk-hnb659fds-assets-${ACCOUNT}-us-east-1/a.zip`)).toBe(false);
  });

  it("gives the preview role nothing outside the boundary, so none of it is silently cut off", () => {
    const { role, managedPolicy } = model(oidc().template);
    const boundary = managedPolicy(PREVIEW_BOUNDARY_NAME);
    for (const statement of role(PREVIEW_ROLE_NAME).statements) {
      const context = Object.fromEntries(
        Object.values(statement.Condition ?? {}).flatMap((keys) =>
          Object.entries(keys).map(([k, v]) => [k, list(v)[0] as string]),
        ),
      );
      for (const action of list(statement.Action)) {
        for (const resource of list(statement.Resource)) {
          expect({
            sid: statement.Sid,
            action,
            resource,
            allowed: allows(boundary, action, resource, context),
          }).toEqual({ sid: statement.Sid, action, resource, allowed: true });
        }
      }
    }
  });

  it("reaches no role from a pull request that is not held by the preview boundary", () => {
    // Arrange: the roles a preview job's token may assume, then every role those may assume or pass on.
    const { roles } = model(oidc().template);
    const previewToken = {
      [`${HOST}:aud`]: "sts.amazonaws.com",
      [`${HOST}:sub`]: "repo:acme/meridian:environment:preview",
      [`${HOST}:repository_id`]: "123456",
      [`${HOST}:job_workflow_ref`]: "acme/meridian/.github/workflows/preview.yml@refs/pull/7/merge",
    };
    const entry = roles.filter((r) =>
      r.trust.some(
        (s) =>
          s.Principal?.Federated && allows([{ ...s, Resource: "*" }], s.Action as string, "*", previewToken),
      ),
    );
    const reached = new Map(entry.map((r) => [r.name, r]));
    const patterns = new Set<string>();
    const queue = [...entry];
    for (let current = queue.shift(); current; current = queue.shift()) {
      for (const statement of current.statements.filter((s) => s.Effect === "Allow")) {
        const actions = list(statement.Action);
        const assumes = actions.some((a) =>
          ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"].some((x) =>
            glob(a, x),
          ),
        );
        const passes = actions.some((a) => glob(a, "iam:PassRole"));
        expect({ role: current.name, sid: statement.Sid, assumes }).toEqual({
          role: current.name,
          sid: statement.Sid,
          assumes: false,
        });
        if (!passes) continue;
        for (const target of list(statement.Resource)) {
          const known = roles.filter((r) => glob(target, r.arn));
          if (known.length === 0) patterns.add(target);
          for (const r of known.filter((k) => !reached.has(k.name))) {
            reached.set(r.name, r);
            queue.push(r);
          }
        }
      }
    }

    // Assess: the preview role and the execution role, both bounded; the only other roles reachable are the
    // ones a preview stage creates (meridian-pr-*), which can only be created with the boundary.
    expect([...reached.keys()].sort()).toEqual([PREVIEW_EXECUTION_ROLE_NAME, PREVIEW_ROLE_NAME].sort());
    for (const role of reached.values())
      expect({ role: role.name, boundary: role.boundary }).toEqual({
        role: role.name,
        boundary: BOUNDARY_ARN,
      });
    expect([...patterns]).toEqual([`arn:aws:iam::${ACCOUNT}:role/meridian-pr-*`]);
    const boundary = model(oidc().template).managedPolicy(PREVIEW_BOUNDARY_NAME);
    const created = `arn:aws:iam::${ACCOUNT}:role/meridian-pr-7-stateless-HttpRole-ABC`;
    for (const action of ["iam:CreateRole", "iam:PutRolePermissionsBoundary"]) {
      expect(allows(boundary, action, created, { "iam:PermissionsBoundary": BOUNDARY_ARN })).toBe(true);
      expect(
        allows(boundary, action, created, {
          "iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess",
        }),
      ).toBe(false);
      expect(allows(boundary, action, created)).toBe(false);
    }
  });

  it("keeps the boundary a ceiling: no role assumption, no way out of it, nothing of the deploy stages", () => {
    // Arrange
    const boundary = model(oidc().template).managedPolicy(PREVIEW_BOUNDARY_NAME);
    const can = (action: string, resource: string, context: Record<string, string> = {}) =>
      allows(boundary, action, resource, context);
    const previewRole = `arn:aws:iam::${ACCOUNT}:role/meridian-pr-7-stateless-HttpRole-ABC`;

    // Assess: nothing bounded assumes a role (the bootstrap roles trust every principal of the account).
    for (const target of [
      "*",
      `arn:aws:iam::${ACCOUNT}:role/cdk-hnb659fds-deploy-role-${ACCOUNT}-us-east-1`,
    ]) {
      expect(can("sts:AssumeRole", target)).toBe(false);
    }
    expect(boundary.flatMap((s) => list(s.Action)).filter((a) => a === "*" || a.endsWith(":*"))).toEqual([]);
    // The boundary cannot be removed, replaced or edited, and no user, key or other policy can be made.
    expect(can("iam:DeleteRolePermissionsBoundary", previewRole)).toBe(false);
    for (const action of ["iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"]) {
      expect(can(action, BOUNDARY_ARN)).toBe(false);
    }
    for (const action of ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreatePolicy"])
      expect(can(action, "*")).toBe(false);
    expect(can("iam:PutRolePolicy", EXECUTION_ROLE_ARN)).toBe(false);
    expect(can("iam:AttachRolePolicy", `arn:aws:iam::${ACCOUNT}:role/${DEPLOY_ROLE_NAME}`)).toBe(false);
    // Bounded roles are passed to Lambda only; the execution role to CloudFormation only.
    expect(can("iam:PassRole", previewRole, { "iam:PassedToService": "lambda.amazonaws.com" })).toBe(true);
    expect(can("iam:PassRole", previewRole, { "iam:PassedToService": "ec2.amazonaws.com" })).toBe(false);
    // Other stages' resources, by name.
    const region = `us-east-1:${ACCOUNT}`;
    expect(can("dynamodb:PutItem", `arn:aws:dynamodb:${region}:table/meridian-pr-7-orders`)).toBe(true);
    expect(can("dynamodb:DeleteTable", `arn:aws:dynamodb:${region}:table/meridian-staging-orders`)).toBe(
      false,
    );
    expect(can("dynamodb:PutItem", `arn:aws:dynamodb:${region}:table/meridian-prod-orders`)).toBe(false);
    expect(
      can(
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:${region}:secret:meridian/pr-7/app-secret-Ab12Cd`,
      ),
    ).toBe(true);
    expect(
      can(
        "secretsmanager:GetSecretValue",
        `arn:aws:secretsmanager:${region}:secret:meridian/prod/app-secret-Ab12Cd`,
      ),
    ).toBe(false);
    expect(
      can("lambda:UpdateFunctionCode", `arn:aws:lambda:${region}:function:meridian-staging-stateless-Http-X`),
    ).toBe(false);
    expect(can("sqs:SendMessage", `arn:aws:sqs:${region}:meridian-prod-order-stream-dlq`)).toBe(false);
    expect(can("cloudformation:UpdateStack", STACK("meridian-staging-stateful"))).toBe(false);
    expect(can("s3:PutObject", `arn:aws:s3:::cdk-hnb659fds-assets-${ACCOUNT}-us-east-1/a.zip`)).toBe(false);
    expect(can("ssm:GetParameter", `arn:aws:ssm:${region}:parameter/cdk-bootstrap/mrdnprev/version`)).toBe(
      true,
    );
    // Other stages' user pools and keys, by tag.
    const pool = `arn:aws:cognito-idp:${region}:userpool/us-east-1_abc`;
    expect(can("cognito-idp:CreateUserPoolClient", pool, { "aws:ResourceTag/meridian:stage": "pr-7" })).toBe(
      true,
    );
    expect(
      can("cognito-idp:CreateUserPoolClient", pool, { "aws:ResourceTag/meridian:stage": "staging" }),
    ).toBe(false);
    expect(can("cognito-idp:AdminCreateUser", pool, { "aws:ResourceTag/meridian:stage": "pr-7" })).toBe(
      false,
    );
    expect(can("cognito-idp:CreateUserPool", "*", { "aws:RequestTag/meridian:stage": "staging" })).toBe(
      false,
    );
    const key = `arn:aws:kms:${region}:key/1234`;
    expect(can("kms:ScheduleKeyDeletion", key, { "aws:ResourceTag/meridian:stage": "prod" })).toBe(false);
    expect(can("kms:ScheduleKeyDeletion", key)).toBe(false);
  });

  it("keeps the boundary within IAM's 6,144-character limit for a managed policy", () => {
    const boundary = model(oidc().template).managedPolicy(PREVIEW_BOUNDARY_NAME);
    expect(JSON.stringify({ Version: "2012-10-17", Statement: boundary }).length).toBeLessThanOrEqual(6144);
  });

  it("lets a preview stage's own resources inside the boundary: names, tags and the boundary on every role", () => {
    // Arrange: a preview stage synthesized with the context preview.yml writes to ~/.cdk.json.
    const github = defineGithubCi(REPO);
    const app = testApp();
    for (const [key, value] of Object.entries(previewCdkContext(github))) app.node.setContext(key, value);
    const [stacks] = addStage(app, stageConfig({ name: "pr-7", kind: "personal", regions: ["us-east-1"] }), {
      webAssetsDir: WEB_ASSETS_DIR,
    });
    if (!stacks) throw new Error("no stacks");
    const boundary = model(oidc().template).managedPolicy(PREVIEW_BOUNDARY_NAME);
    const can = (action: string, resource: string, context: Record<string, string> = {}) =>
      allows(boundary, action, resource, context);
    const at = `us-east-1:${ACCOUNT}`;

    for (const stack of [stacks.stateful, stacks.stateless]) {
      const template = Template.fromStack(stack);
      const { resolve } = model(template);
      const resources = Object.values(
        template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>,
      );
      const named = (type: string, key: string) =>
        resources.filter((r) => r.Type === type).map((r) => resolve(r.Properties[key]) as string);

      // Assess: the stack, its assets and bootstrap version are the preview qualifier's.
      expect(can("cloudformation:CreateChangeSet", STACK(stack.stackName))).toBe(true);
      expect((template.toJSON().Parameters as Json).BootstrapVersion).toMatchObject({
        Default: "/cdk-bootstrap/mrdnprev/version",
      });
      for (const role of resources.filter((r) => r.Type === "AWS::IAM::Role")) {
        expect(resolve(role.Properties.PermissionsBoundary)).toBe(BOUNDARY_ARN);
      }
      for (const name of named("AWS::DynamoDB::Table", "TableName")) {
        expect(can("dynamodb:CreateTable", `arn:aws:dynamodb:${at}:table/${name}`)).toBe(true);
      }
      for (const name of named("AWS::SQS::Queue", "QueueName")) {
        expect(can("sqs:CreateQueue", `arn:aws:sqs:${at}:${name}`)).toBe(true);
      }
      for (const name of named("AWS::S3::Bucket", "BucketName").filter(Boolean)) {
        expect(can("s3:CreateBucket", `arn:aws:s3:::${name}`)).toBe(true);
        expect(can("s3:PutObject", `arn:aws:s3:::${name}/products/p/uploads/i`)).toBe(true);
      }
      for (const name of named("AWS::SNS::Topic", "TopicName")) {
        expect(can("sns:CreateTopic", `arn:aws:sns:${at}:${name}`)).toBe(true);
      }
      for (const name of named("AWS::SecretsManager::Secret", "Name")) {
        expect(can("secretsmanager:CreateSecret", `arn:aws:secretsmanager:${at}:secret:${name}-Ab12Cd`)).toBe(
          true,
        );
      }
      for (const name of named("AWS::Events::Rule", "Name")) {
        expect(can("events:PutRule", `arn:aws:events:${at}:rule/${name}`)).toBe(true);
      }
      for (const name of named("AWS::CloudWatch::Alarm", "AlarmName")) {
        expect(can("cloudwatch:PutMetricAlarm", `arn:aws:cloudwatch:${at}:alarm:${name}`)).toBe(true);
      }
      for (const name of named("AWS::CloudWatch::Dashboard", "DashboardName")) {
        expect(can("cloudwatch:PutDashboard", `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${name}`)).toBe(true);
      }
      // Unnamed functions, log groups and roles get CloudFormation's <stack name>-<logical id>-<suffix>.
      for (const type of ["AWS::Lambda::Function", "AWS::Logs::LogGroup", "AWS::IAM::Role"]) {
        for (const r of resources.filter((x) => x.Type === type)) {
          expect({
            type,
            named: Object.keys(r.Properties).filter((k) => /^(FunctionName|LogGroupName|RoleName)$/.test(k)),
          }).toEqual({ type, named: [] });
        }
      }
      expect(stack.stackName.startsWith("meridian-pr-")).toBe(true);
      // Pools and keys are addressed by id: they carry the stage tag the boundary checks.
      for (const pool of resources.filter((r) => r.Type === "AWS::Cognito::UserPool")) {
        expect(pool.Properties.UserPoolTags).toMatchObject({ "meridian:stage": "pr-7" });
      }
      for (const key of resources.filter((r) => r.Type === "AWS::KMS::Key")) {
        expect(key.Properties.Tags).toContainEqual({ Key: "meridian:stage", Value: "pr-7" });
      }
    }
    expect(
      can("lambda:CreateFunction", `arn:aws:lambda:${at}:function:meridian-pr-7-stateless-Http36EFD62B-Xy`),
    ).toBe(true);
    expect(
      can("logs:CreateLogGroup", `arn:aws:logs:${at}:log-group:meridian-pr-7-stateless-HttpLogs-Xy:*`),
    ).toBe(true);
  });

  it("keeps the GitHub roles' sessions to an hour and attaches no AWS managed policy", () => {
    const { roles } = model(oidc().template);
    for (const role of roles) {
      expect(role.managedPolicyArns.filter((arn) => arn.includes(":aws:policy/"))).toEqual([]);
    }
    oidc().template.allResourcesProperties("AWS::IAM::Role", { MaxSessionDuration: 3600 });
  });

  it("passes the security gates (cdk-nag and the Control Tower rules)", () => {
    const { app } = oidc();
    addSecurityChecks(app);
    expect(validate(app).findings).toEqual([]);
  });
});

describe("GitHub OIDC roles: per account", () => {
  it("reuses the account's provider and builds only the deploy role for an account without previews", () => {
    const { template } = oidc({ createOidcProvider: false, preview: [] });
    template.resourceCountIs("AWS::IAM::OIDCProvider", 0);
    template.resourceCountIs("AWS::IAM::ManagedPolicy", 0);
    expect(model(template).roles.map((r) => r.name)).toEqual([DEPLOY_ROLE_NAME]);
  });

  it("builds only the preview roles and boundary for an account of previews", () => {
    const { template } = oidc({ deploy: [] });
    expect(
      model(template)
        .roles.map((r) => r.name)
        .sort(),
    ).toEqual([PREVIEW_EXECUTION_ROLE_NAME, PREVIEW_ROLE_NAME].sort());
  });
});

describe("GitHub CI config", () => {
  it("requires the repository's numeric id, a positive integer", () => {
    for (const repositoryId of [0, -1, 1.5, "123" as unknown as number, Number.NaN]) {
      expect(() => defineGithubCi({ repository: "acme/meridian", repositoryId })).toThrow(/repositoryId/);
    }
    expect(() => defineGithubCi({ repository: "acme/meridian" } as GithubCiInput)).toThrow(/repositoryId/);
    expect(defineGithubCi(REPO).repositoryId).toBe(123456);
  });

  it("refuses pull request refs for the deploy role, one environment for both roles, a shared qualifier", () => {
    expect(() =>
      defineGithubCi({ ...REPO, deploy: [{ environment: "production", refs: ["refs/pull/*/merge"] }] }),
    ).toThrow(/deploy\.0\.refs\.0: refs\/heads/);
    expect(() =>
      defineGithubCi({ ...REPO, preview: [{ environment: "staging", refs: ["refs/pull/*/merge"] }] }),
    ).toThrow(/trusted once/);
    expect(() => defineGithubCi({ ...REPO, previewQualifier: "hnb659fds" })).toThrow(/qualifier/);
    expect(() => defineGithubCi({ ...REPO, subjectFormat: "immutable" })).toThrow(/ownerId/);
    expect(() =>
      defineGithubCi({
        ...REPO,
        deploy: [{ environment: "prod", workflow: ".github/workflows/*.yml", refs: ["refs/tags/v*"] }],
      }),
    ).toThrow(/workflow/);
    expect(() => defineGithubCi({ ...REPO, allowTags: true } as GithubCiInput)).toThrow(/allowTags/);
    expect(() => defineGithubCi({ repository: "not a repo", repositoryId: 1 })).toThrow(/owner\/repo/);
  });

  it("is built only for a known repository, with the id from the same source as the name", () => {
    expect(resolveGithubCi(undefined, {})).toBeUndefined();
    const actions = resolveGithubCi(undefined, {
      GITHUB_REPOSITORY: "acme/meridian",
      GITHUB_REPOSITORY_ID: "123456",
      GITHUB_REPOSITORY_OWNER_ID: "42",
      MERIDIAN_GITHUB_REPOSITORY_ID: "999",
    });
    expect([actions?.repository, actions?.repositoryId, actions?.ownerId]).toEqual([
      "acme/meridian",
      123456,
      42,
    ]);
    const ours = resolveGithubCi("acme/other", {
      GITHUB_REPOSITORY: "acme/meridian",
      GITHUB_REPOSITORY_ID: "123456",
      MERIDIAN_GITHUB_REPOSITORY_ID: "777",
    });
    expect([ours?.repository, ours?.repositoryId]).toEqual(["acme/other", 777]);
    expect(() => resolveGithubCi("acme/other", { GITHUB_REPOSITORY_ID: "123456" })).toThrow(
      /MERIDIAN_GITHUB_REPOSITORY_ID \(gh api repos\/acme\/other --jq \.id\)/,
    );
    expect(() => resolveGithubCi("acme/other", { MERIDIAN_GITHUB_REPOSITORY_ID: "12ab" })).toThrow(
      /repositoryId/,
    );
  });

  it("builds one kind of role for an account when MERIDIAN_GITHUB_ROLES says which", () => {
    const env = { MERIDIAN_GITHUB_REPOSITORY: "acme/meridian", MERIDIAN_GITHUB_REPOSITORY_ID: "1" };
    expect(resolveGithubCi(undefined, { ...env, MERIDIAN_GITHUB_ROLES: "deploy" })?.preview).toEqual([]);
    expect(resolveGithubCi(undefined, { ...env, MERIDIAN_GITHUB_ROLES: "preview" })?.deploy).toEqual([]);
    expect(() => resolveGithubCi(undefined, { ...env, MERIDIAN_GITHUB_ROLES: "all" })).toThrow(
      /MERIDIAN_GITHUB_ROLES/,
    );
    expect(resolveGithubCi(undefined, env)?.createOidcProvider).toBe(true);
    expect(
      resolveGithubCi(undefined, { ...env, MERIDIAN_GITHUB_CREATE_OIDC_PROVIDER: "false" })
        ?.createOidcProvider,
    ).toBe(false);
    expect(
      resolveGithubCi(undefined, {
        ...env,
        MERIDIAN_GITHUB_SUBJECT_FORMAT: "immutable",
        MERIDIAN_GITHUB_OWNER_ID: "9",
      })?.subjectFormat,
    ).toBe("immutable");
  });
});

describe("the workflows use the roles as configured", () => {
  const variable = (name: string) => `\${{ vars.${name} }}`;
  const github = defineGithubCi(REPO);
  const workflow = (path: string) =>
    load(readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8")) as {
      on: Record<string, { branches?: string[]; tags?: string[] }>;
      env?: Record<string, string>;
      jobs: Record<
        string,
        {
          environment?: string;
          permissions?: Record<string, string>;
          steps: Array<{ uses?: string; run?: string; with?: Record<string, string> }>;
        }
      >;
    };
  const oidcJobs = (path: string) =>
    Object.values(workflow(path).jobs).filter((job) => job.permissions?.["id-token"] === "write");
  const roleVariables = (path: string) =>
    oidcJobs(path).flatMap((job) =>
      job.steps
        .filter((s) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"))
        .map((s) => s.with?.["role-to-assume"]),
    );

  it("deploys from deploy.yml in the deploy environments, on the refs the role trusts, with the deploy role", () => {
    const deploy = workflow(".github/workflows/deploy.yml");
    expect(new Set(github.deploy.map((t) => t.workflow))).toEqual(new Set([".github/workflows/deploy.yml"]));
    expect(oidcJobs(".github/workflows/deploy.yml").map((job) => job.environment)).toEqual(
      github.deploy.map((t) => t.environment),
    );
    expect(github.deploy.flatMap((t) => t.refs)).toEqual([
      ...(deploy.on.push?.branches ?? []).map((b) => `refs/heads/${b}`),
      ...(deploy.on.push?.tags ?? []).map((t) => `refs/tags/${t}`),
    ]);
    expect(roleVariables(".github/workflows/deploy.yml")).toEqual([
      variable("AWS_DEPLOY_ROLE_ARN"),
      variable("AWS_DEPLOY_ROLE_ARN"),
    ]);
    // Only the deploy jobs can request a token; the tests run in a job that cannot.
    expect(
      Object.entries(deploy.jobs)
        .filter(([, job]) => job.permissions?.["id-token"] !== "write")
        .map(([id]) => id),
    ).toEqual(["test"]);
  });

  it("previews from preview.yml in the preview environment, with the preview role, the execution role and the preview context", () => {
    const preview = workflow(".github/workflows/preview.yml");
    expect(github.preview.map((t) => t.workflow)).toEqual([".github/workflows/preview.yml"]);
    expect(oidcJobs(".github/workflows/preview.yml").map((job) => job.environment)).toEqual([
      "preview",
      "preview",
    ]);
    expect(roleVariables(".github/workflows/preview.yml")).toEqual([
      variable("AWS_PREVIEW_ROLE_ARN"),
      variable("AWS_PREVIEW_ROLE_ARN"),
    ]);
    expect(JSON.parse(preview.env?.PREVIEW_CDK_CONTEXT ?? "{}")).toEqual({
      context: previewCdkContext(github),
    });
    const commands = oidcJobs(".github/workflows/preview.yml").flatMap((job) =>
      job.steps.map((s) => s.run ?? ""),
    );
    for (const verb of ["deploy", "destroy"]) {
      expect(commands).toContain(
        `npm run ${verb} -- --stage "$STAGE" --role-arn "arn:aws:iam::\${ACCOUNT}:role/${PREVIEW_EXECUTION_ROLE_NAME}"`,
      );
    }
    expect(commands).toContain(`printf '%s' "$PREVIEW_CDK_CONTEXT" > ~/.cdk.json`);
  });
});
