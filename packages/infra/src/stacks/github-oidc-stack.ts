import { Aws, CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import {
  type IOidcProvider,
  OidcProviderNative,
  OpenIdConnectPrincipal,
  PolicyStatement,
  Role,
} from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import type { GithubCiConfig } from "../config/github.ts";

export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

/** The CDK bootstrap roles a `cdk deploy` needs: deploy (CloudFormation), file publishing (assets), lookup. */
const BOOTSTRAP_ROLES = ["deploy", "file-publishing", "lookup"] as const;

export interface GithubOidcStackProps extends StackProps {
  github: GithubCiConfig;
}

/**
 * Lets GitHub Actions deploy without stored AWS keys. GitHub's OIDC token is exchanged for a role that can do one
 * thing: assume this account's CDK bootstrap roles (which then act through CloudFormation). Trust is limited to
 * one repository and to the listed branches, tags and GitHub environments; preview jobs (the `preview`
 * environment, pull requests) get a separate role. Both can deploy whatever the account's bootstrap roles can,
 * so the boundary between previews and prod is the account: keep prod in its own. Deploy once per account.
 */
export class GithubOidcStack extends Stack {
  readonly provider: IOidcProvider;
  readonly deployRole: Role;
  readonly previewRole?: Role;

  constructor(scope: Construct, id: string, props: GithubOidcStackProps) {
    super(scope, id, props);
    const { github } = props;
    const repo = github.repository;

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

    const subjects = [
      ...github.branches.map((branch) => `repo:${repo}:ref:refs/heads/${branch}`),
      ...(github.allowTags ? [`repo:${repo}:ref:refs/tags/*`] : []),
      ...github.environments.map((environment) => `repo:${repo}:environment:${environment}`),
    ];
    this.deployRole = this.githubRole("DeployRole", "meridian-github-deploy", subjects, github.cdkQualifier);
    new CfnOutput(this, "DeployRoleArn", { value: this.deployRole.roleArn });

    const previewSubjects = [
      ...github.previewEnvironments.map((environment) => `repo:${repo}:environment:${environment}`),
      ...(github.allowPullRequests ? [`repo:${repo}:pull_request`] : []),
    ];
    if (previewSubjects.length > 0) {
      this.previewRole = this.githubRole(
        "PreviewRole",
        "meridian-github-preview",
        previewSubjects,
        github.cdkQualifier,
      );
      new CfnOutput(this, "PreviewRoleArn", { value: this.previewRole.roleArn });
    }
  }

  private githubRole(id: string, roleName: string, subjects: string[], qualifier: string): Role {
    const role = new Role(this, id, {
      roleName,
      description: `GitHub Actions (${subjects.join(", ")}) -> CDK bootstrap roles`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new OpenIdConnectPrincipal(this.provider, {
        StringEquals: { [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com" },
        StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: subjects },
      }),
    });
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
    return role;
  }
}
