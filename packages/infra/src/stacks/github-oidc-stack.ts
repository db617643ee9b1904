import { Aws, CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import {
  type IManagedPolicy,
  type IOidcProvider,
  ManagedPolicy,
  OidcProviderNative,
  OpenIdConnectPrincipal,
  PolicyDocument,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import {
  DEPLOY_ROLE_NAME,
  environmentSubject,
  type GithubCiConfig,
  type GithubTrust,
  jobWorkflowRefs,
  PREVIEW_BOUNDARY_NAME,
  PREVIEW_EXECUTION_ROLE_NAME,
  PREVIEW_ROLE_NAME,
  PREVIEW_STAGE_PREFIX,
} from "../config/github.ts";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** The CDK bootstrap roles a `cdk deploy` needs: deploy (CloudFormation), file publishing (assets), lookup. */
const BOOTSTRAP_ROLES = ["deploy", "file-publishing", "lookup"] as const;

export interface GithubOidcStackProps extends StackProps {
  github: GithubCiConfig;
}

const arn = (service: string, resource: string, region = "*") =>
  `arn:${Aws.PARTITION}:${service}:${region}:${Aws.ACCOUNT_ID}:${resource}`;
const iamArn = (resource: string) => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:${resource}`;

/** `meridian-pr-*`: what a preview stage names its stacks, tables, functions, queues, topics, roles. */
const PREVIEW_NAMES = `meridian-${PREVIEW_STAGE_PREFIX}*`;
const PREVIEW_STACKS = arn("cloudformation", `stack/${PREVIEW_NAMES}/*`);
const PREVIEW_ROLES = iamArn(`role/${PREVIEW_NAMES}`);
/** Written out rather than referenced: the boundary's own document names it. */
const PREVIEW_BOUNDARY_ARN = iamArn(`policy/${PREVIEW_BOUNDARY_NAME}`);
const PREVIEW_EXECUTION_ROLE_ARN = iamArn(`role/${PREVIEW_EXECUTION_ROLE_NAME}`);
const STAGE_TAG = "meridian:stage";

/**
 * Lets GitHub Actions deploy without stored AWS keys. A job's OIDC token is exchanged for a role only when it
 * comes from this repository (by numeric id, not only by name), from one of the configured GitHub environments
 * (so the environment's protection rules ran first), and from the one workflow file and refs configured for that
 * environment. Deploy once per account.
 *
 * - The deploy role can do one thing: assume this account's CDK bootstrap roles (which then act through
 *   CloudFormation, as administrator by default).
 * - The preview role (pull requests) cannot assume any role. It deploys `meridian-pr-*` stacks itself, always as
 *   the preview execution role, and writes assets to the preview qualifier's bucket only. Both, and every role
 *   a preview stage creates, are held by the preview permissions boundary, so nothing a pull request reaches can
 *   do more than that boundary allows.
 */
export class GithubOidcStack extends Stack {
  readonly provider: IOidcProvider;
  readonly deployRole?: Role;
  readonly previewRole?: Role;
  readonly previewExecutionRole?: Role;
  readonly previewBoundary?: ManagedPolicy;

  constructor(scope: Construct, id: string, props: GithubOidcStackProps) {
    super(scope, id, props);
    const { github } = props;

    this.provider = github.createOidcProvider
      ? new OidcProviderNative(this, "GithubProvider", {
          url: `https://${GITHUB_OIDC_HOST}`,
          clientIds: ["sts.amazonaws.com"],
        })
      : OidcProviderNative.fromOidcProviderArn(
          this,
          "GithubProvider",
          `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC_HOST}`,
        );

    if (github.deploy.length > 0) {
      this.deployRole = this.githubRole("DeployRole", DEPLOY_ROLE_NAME, github, github.deploy);
      this.allowBootstrapRoles(this.deployRole, github.cdkQualifier);
      new CfnOutput(this, "DeployRoleArn", { value: this.deployRole.roleArn });
    }

    if (github.preview.length > 0) {
      const boundary = new ManagedPolicy(this, "PreviewBoundary", {
        managedPolicyName: PREVIEW_BOUNDARY_NAME,
        description: "Ceiling of everything a pull request's preview can reach (docs/deploy.md)",
        document: previewBoundaryDocument(github.previewQualifier),
      });
      acknowledgeWildcards(
        boundary,
        boundary.document,
        "The preview ceiling: resources are limited to meridian-pr-* names, the preview stacks, the preview " +
          "asset bucket and tagged pr-* Cognito pools and KMS keys; the rest are read-only or account-level " +
          "actions without resource-level permissions (docs/deploy.md lists them).",
      );
      this.previewBoundary = boundary;

      this.previewExecutionRole = new Role(this, "PreviewExecutionRole", {
        roleName: PREVIEW_EXECUTION_ROLE_NAME,
        description: "CloudFormation service role of meridian-pr-* stacks, held by the preview boundary",
        assumedBy: new ServicePrincipal("cloudformation.amazonaws.com"),
        // Its permissions are the boundary itself: everything a preview stack may contain, nothing else.
        managedPolicies: [boundary],
        permissionsBoundary: boundary,
        maxSessionDuration: Duration.hours(1),
      });
      new CfnOutput(this, "PreviewExecutionRoleArn", { value: this.previewExecutionRole.roleArn });

      this.previewRole = this.githubRole("PreviewRole", PREVIEW_ROLE_NAME, github, github.preview, boundary);
      const deployer = previewDeployerStatements(this.previewExecutionRole.roleArn, github.previewQualifier);
      for (const statement of deployer) this.previewRole.addToPolicy(statement);
      acknowledgeWildcards(
        this.previewRole,
        new PolicyDocument({ statements: deployer }),
        "Limited to meridian-pr-* stacks (changes only as the preview execution role), the preview qualifier's " +
          "asset bucket and bootstrap version; template checks have no resource-level permissions.",
      );
      new CfnOutput(this, "PreviewRoleArn", { value: this.previewRole.roleArn });
    }
  }

  /** A role for GitHub jobs: one trust statement per environment, each pinned to repository id and workflow. */
  private githubRole(
    id: string,
    roleName: string,
    github: GithubCiConfig,
    trusts: GithubTrust[],
    permissionsBoundary?: IManagedPolicy,
  ): Role {
    const [first, ...rest] = trusts.map((trust) => this.githubPrincipal(github, trust));
    const role = new Role(this, id, {
      roleName,
      description: `GitHub Actions of ${github.repository} (${trusts.map((t) => t.environment).join(", ")})`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: first as OpenIdConnectPrincipal,
      ...(permissionsBoundary ? { permissionsBoundary } : {}),
    });
    for (const principal of rest) {
      role.assumeRolePolicy?.addStatements(
        new PolicyStatement({ actions: ["sts:AssumeRoleWithWebIdentity"], principals: [principal] }),
      );
    }
    return role;
  }

  private githubPrincipal(github: GithubCiConfig, trust: GithubTrust): OpenIdConnectPrincipal {
    return new OpenIdConnectPrincipal(this.provider, {
      StringEquals: {
        [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
        [`${GITHUB_OIDC_HOST}:sub`]: environmentSubject(github, trust.environment),
        [`${GITHUB_OIDC_HOST}:repository_id`]: String(github.repositoryId),
      },
      StringLike: { [`${GITHUB_OIDC_HOST}:job_workflow_ref`]: jobWorkflowRefs(github, trust) },
    });
  }

  private allowBootstrapRoles(role: Role, qualifier: string): void {
    const bootstrapRoleArns = BOOTSTRAP_ROLES.map(
      (kind) =>
        `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:role/cdk-${qualifier}-${kind}-role-${Aws.ACCOUNT_ID}-*`,
    );
    role.addToPolicy(new PolicyStatement({ actions: ["sts:AssumeRole"], resources: bootstrapRoleArns }));
    for (const kind of BOOTSTRAP_ROLES) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::<AWS::AccountId>:role/cdk-${qualifier}-${kind}-role-<AWS::AccountId>-*]`,
        reason:
          "The trailing * is the region: CDK names its bootstrap roles cdk-<qualifier>-<kind>-role-<account>-<region>, " +
          "and a stage may span regions. Only sts:AssumeRole on those bootstrap roles is allowed.",
      });
    }
  }
}

/**
 * Acknowledges cdk-nag's IAM5 finding for every wildcard action and resource of `document`, with one reason.
 * The ids are computed the way cdk-nag prints them (`<AWS::Partition>` for a Ref), so a new wildcard is
 * acknowledged only by adding it to one of these documents, where the reason beside it has to hold.
 */
function acknowledgeWildcards(scope: Construct, document: PolicyDocument, reason: string): void {
  const stack = Stack.of(scope);
  const text = (value: unknown): string => {
    if (typeof value === "string") return value;
    const v = value as { Ref?: string; "Fn::Join"?: [string, unknown[]]; "Fn::GetAtt"?: [string, string] };
    if (v.Ref) return `<${v.Ref}>`;
    if (v["Fn::GetAtt"]) return `<${v["Fn::GetAtt"].join(".")}>`;
    if (v["Fn::Join"]) return v["Fn::Join"][1].map(text).join(v["Fn::Join"][0]);
    return JSON.stringify(value);
  };
  const ids = new Set<string>();
  const resolved = stack.resolve(document.toJSON()) as { Statement: Array<Record<string, unknown>> };
  for (const statement of resolved.Statement) {
    for (const action of [statement.Action].flat()) {
      if (typeof action === "string" && action.includes("*")) ids.add(`AwsSolutions-IAM5[Action::${action}]`);
    }
    for (const resource of [statement.Resource].flat()) {
      const name = text(resource);
      if (name.includes("*")) ids.add(`AwsSolutions-IAM5[Resource::${name}]`);
    }
  }
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/** The preview qualifier's asset bucket (one per region) and its objects. */
function previewAssets(qualifier: string): string[] {
  const bucket = `arn:${Aws.PARTITION}:s3:::cdk-${qualifier}-assets-${Aws.ACCOUNT_ID}-*`;
  return [bucket, `${bucket}/*`];
}

const bootstrapVersion = (qualifier: string) => arn("ssm", `parameter/cdk-bootstrap/${qualifier}/version`);

/**
 * What the preview role itself does: `cdk deploy|destroy --role-arn <preview execution role>` with its own
 * credentials (the CDK CLI falls back to them when it cannot assume the bootstrap roles, and this role can
 * assume none). Every stack change names the execution role, so none runs with more than the boundary.
 */
export function previewDeployerStatements(executionRoleArn: string, qualifier: string): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: "ChangePreviewStacksOnlyAsTheExecutionRole",
      actions: [
        "cloudformation:CreateChangeSet",
        "cloudformation:CreateStack",
        "cloudformation:UpdateStack",
        "cloudformation:DeleteStack",
        "cloudformation:ContinueUpdateRollback",
        "cloudformation:RollbackStack",
      ],
      resources: [PREVIEW_STACKS],
      conditions: { StringEquals: { "cloudformation:RoleArn": executionRoleArn } },
    }),
    new PolicyStatement({
      sid: "FollowPreviewStacks",
      actions: [
        "cloudformation:DescribeStacks",
        "cloudformation:DescribeStackEvents",
        "cloudformation:DescribeStackResources",
        "cloudformation:DescribeChangeSet",
        "cloudformation:ExecuteChangeSet",
        "cloudformation:DeleteChangeSet",
        "cloudformation:GetTemplate",
        "cloudformation:ListStackResources",
      ],
      resources: [PREVIEW_STACKS],
    }),
    new PolicyStatement({
      sid: "CheckTemplates",
      actions: ["cloudformation:GetTemplateSummary"],
      resources: ["*"],
    }),
    new PolicyStatement({
      sid: "PassOnlyTheExecutionRole",
      actions: ["iam:PassRole"],
      resources: [executionRoleArn],
      conditions: { StringEquals: { "iam:PassedToService": "cloudformation.amazonaws.com" } },
    }),
    new PolicyStatement({
      sid: "PreviewAssets",
      actions: ["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:PutObject*", "s3:Abort*"],
      resources: previewAssets(qualifier),
    }),
    new PolicyStatement({
      sid: "PreviewBootstrapVersion",
      actions: ["ssm:GetParameter", "ssm:GetParameters"],
      resources: [bootstrapVersion(qualifier)],
    }),
  ];
}

/**
 * The preview permissions boundary: the most any role a pull request reaches may do, and the execution role's
 * own permissions. Everything is named `meridian-pr-*` (or tagged `meridian:stage=pr-*` where ARNs carry ids);
 * roles may be created only with this boundary, which none can remove or change; no `sts:AssumeRole` at all.
 */
export function previewBoundaryDocument(qualifier: string): PolicyDocument {
  const tagged = (key: "aws:ResourceTag" | "aws:RequestTag") => ({
    StringLike: { [`${key}/${STAGE_TAG}`]: `${PREVIEW_STAGE_PREFIX}*` },
  });
  return new PolicyDocument({
    statements: [
      new PolicyStatement({
        sid: "PreviewStacks",
        // *Stack: Create, Update, Delete, Rollback, CancelUpdate; *ChangeSet: Create, Describe, Execute, Delete.
        actions: [
          "cloudformation:*Stack",
          "cloudformation:*ChangeSet",
          "cloudformation:ContinueUpdateRollback",
          "cloudformation:Describe*",
          "cloudformation:GetTemplate",
          "cloudformation:List*",
        ],
        resources: [PREVIEW_STACKS],
      }),
      new PolicyStatement({
        sid: "PreviewAssets",
        actions: ["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:PutObject*", "s3:Abort*"],
        resources: previewAssets(qualifier),
      }),
      new PolicyStatement({
        sid: "PreviewBootstrapVersion",
        actions: ["ssm:GetParameter", "ssm:GetParameters"],
        resources: [bootstrapVersion(qualifier)],
      }),
      new PolicyStatement({
        sid: "PassExecutionRole",
        actions: ["iam:PassRole"],
        resources: [PREVIEW_EXECUTION_ROLE_ARN],
        conditions: { StringEquals: { "iam:PassedToService": "cloudformation.amazonaws.com" } },
      }),
      new PolicyStatement({
        sid: "CreateRolesWithBoundary",
        actions: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"],
        resources: [PREVIEW_ROLES],
        conditions: { StringEquals: { "iam:PermissionsBoundary": PREVIEW_BOUNDARY_ARN } },
      }),
      new PolicyStatement({
        // No iam:DeleteRolePermissionsBoundary and nothing on policies: the boundary stays.
        sid: "ManageRoles",
        actions: [
          "iam:GetRole",
          "iam:DeleteRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:ListRoleTags",
          "iam:PutRolePolicy",
          "iam:GetRolePolicy",
          "iam:DeleteRolePolicy",
          "iam:ListRolePolicies",
          "iam:AttachRolePolicy",
          "iam:DetachRolePolicy",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
        ],
        resources: [PREVIEW_ROLES],
      }),
      new PolicyStatement({
        sid: "PassRolesToLambda",
        actions: ["iam:PassRole"],
        resources: [PREVIEW_ROLES],
        conditions: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } },
      }),
      new PolicyStatement({
        // Families of actions, never `service:*` (Control Tower CT.IAM.PR.3), on meridian-pr-* names only.
        sid: "ByName",
        actions: [
          ...["Create*", "Update*", "Delete*", "Describe*", "List*", "Get*", "Put*", "Batch*"].map(
            (a) => `dynamodb:${a}`,
          ),
          "dynamodb:Query",
          "dynamodb:Scan",
          "dynamodb:ConditionCheckItem",
          ...["Create*", "Update*", "Delete*", "Get*", "List*", "Put*", "Publish*"].map((a) => `lambda:${a}`),
          "lambda:AddPermission",
          "lambda:RemovePermission",
          "lambda:InvokeFunction",
          ...["CreateQueue", "DeleteQueue", "*QueueAttributes", "GetQueueUrl", "*Message*", "PurgeQueue"].map(
            (a) => `sqs:${a}`,
          ),
          ...["CreateTopic", "DeleteTopic", "*TopicAttributes", "Publish", "ListSubscriptionsByTopic"].map(
            (a) => `sns:${a}`,
          ),
          ...[
            "CreateSecret",
            "DeleteSecret",
            "DescribeSecret",
            "*SecretValue",
            "UpdateSecret",
            "*ResourcePolicy",
          ].map((a) => `secretsmanager:${a}`),
          ...["PutRule", "DeleteRule", "DescribeRule", "EnableRule", "DisableRule", "*Targets*"].map(
            (a) => `events:${a}`,
          ),
          ...["CreateLog*", "DeleteLogGroup", "*RetentionPolicy", "PutLogEvents", "Describe*", "Get*"].map(
            (a) => `logs:${a}`,
          ),
          ...[
            "PutMetricAlarm",
            "DeleteAlarms",
            "*AlarmActions",
            "PutDashboard",
            "DeleteDashboards",
            "GetDashboard",
          ].map((a) => `cloudwatch:${a}`),
          // Tag, untag and list the tags (TagResource, TagQueue, TagLogGroup, ListTagsOfResource ...).
          ...["dynamodb", "lambda", "sqs", "sns", "secretsmanager", "events", "logs", "cloudwatch"].map(
            (service) => `${service}:*Tag*`,
          ),
        ],
        resources: [
          arn("dynamodb", `table/${PREVIEW_NAMES}`),
          arn("lambda", `function:${PREVIEW_NAMES}`),
          arn("sqs", PREVIEW_NAMES),
          arn("sns", PREVIEW_NAMES),
          arn("secretsmanager", `secret:meridian/${PREVIEW_STAGE_PREFIX}*`),
          arn("events", `rule/${PREVIEW_NAMES}`),
          arn("logs", `log-group:${PREVIEW_NAMES}`),
          arn("cloudwatch", `alarm:${PREVIEW_NAMES}`),
          `arn:${Aws.PARTITION}:cloudwatch::${Aws.ACCOUNT_ID}:dashboard/${PREVIEW_NAMES}`,
        ],
      }),
      new PolicyStatement({
        sid: "EventSourceMappings",
        actions: [
          "lambda:CreateEventSourceMapping",
          "lambda:UpdateEventSourceMapping",
          "lambda:DeleteEventSourceMapping",
        ],
        resources: ["*"],
        conditions: { ArnLike: { "lambda:FunctionArn": arn("lambda", `function:${PREVIEW_NAMES}`) } },
      }),
      new PolicyStatement({
        sid: "TaggedPoolsAndKeys",
        actions: [
          ...["Create*", "Update*", "Delete*", "Describe*", "Get*", "List*", "Set*"].map(
            (a) => `cognito-idp:${a}`,
          ),
          ...["Describe*", "Get*", "PutKeyPolicy", "*KeyRotation", "EnableKey", "DisableKey"].map(
            (a) => `kms:${a}`,
          ),
          "kms:ScheduleKeyDeletion",
          "kms:CancelKeyDeletion",
          "kms:UpdateKeyDescription",
          "kms:Encrypt",
          "kms:Decrypt",
          "kms:GenerateDataKey*",
          ...["cognito-idp", "kms"].flatMap((s) => [`${s}:TagResource`, `${s}:UntagResource`]),
        ],
        resources: ["*"],
        conditions: tagged("aws:ResourceTag"),
      }),
      new PolicyStatement({
        sid: "CreateTaggedPoolsAndKeys",
        actions: [
          "cognito-idp:CreateUserPool",
          "cognito-idp:TagResource",
          "kms:CreateKey",
          "kms:TagResource",
        ],
        resources: ["*"],
        conditions: tagged("aws:RequestTag"),
      }),
      new PolicyStatement({
        sid: "SecretsKms",
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
        conditions: { StringLike: { "kms:ViaService": "secretsmanager.*.amazonaws.com" } },
      }),
      new PolicyStatement({
        // The product images bucket (`meridian-pr-<n>-img-<account>-<region>`) and its log bucket (named by
        // CloudFormation after the stack), for the stacks and the functions' roles; and the images' CDN (no
        // Sid: the boundary is at IAM's size limit):
        // CloudFront is global and names distributions and origin access controls by id, not fenced per stage.
        actions: [
          // Create, Delete, List, Get*, Put*, Delete*: Bucket; Put/Get Encryption and Lifecycle Configuration.
          "s3:*Bucket*",
          "s3:*Configuration",
          "s3:*Object",
          "cloudfront:*Distribution*",
          // Origin access controls (and identities, unused).
          "cloudfront:*OriginAccess*",
          "cloudfront:*Tag*",
        ],
        resources: [
          `arn:${Aws.PARTITION}:s3:::${PREVIEW_NAMES}`,
          // CloudFront has no resource policies: only this account's distributions are reachable anyway.
          `arn:${Aws.PARTITION}:cloudfront::*`,
        ],
      }),
      new PolicyStatement({
        // API Gateway names HTTP APIs by id and tags no routes or integrations: not fenced per stage.
        sid: "HttpApis",
        actions: [
          "apigateway:GET",
          "apigateway:POST",
          "apigateway:PUT",
          "apigateway:PATCH",
          "apigateway:DELETE",
          "apigateway:TagResource",
          "apigateway:UntagResource",
        ],
        resources: [
          `arn:${Aws.PARTITION}:apigateway:*::/apis`,
          `arn:${Aws.PARTITION}:apigateway:*::/apis/*`,
          `arn:${Aws.PARTITION}:apigateway:*::/tags/*`,
        ],
      }),
      new PolicyStatement({
        sid: "AccountLevel",
        actions: [
          "cloudformation:GetTemplateSummary",
          "dynamodb:List*",
          "dynamodb:DescribeLimits",
          "lambda:GetAccountSettings",
          "lambda:GetEventSourceMapping",
          "lambda:ListEventSourceMappings",
          "sqs:ListQueues",
          "sns:ListTopics",
          "secretsmanager:GetRandomPassword",
          "secretsmanager:ListSecrets",
          "logs:DescribeLogGroups",
          // An HTTP API stage's access logs: log deliveries and the log resource policy are account-wide.
          "logs:*LogDeliver*",
          "logs:*ResourcePolic*",
          "cloudwatch:DescribeAlarms",
          "cloudwatch:GetMetricData",
          "cloudwatch:ListMetrics",
          "xray:Put*",
          "xray:GetSampling*",
          "kms:List*",
          "cognito-idp:ListUserPools",
        ],
        resources: ["*"],
      }),
    ],
  });
}
