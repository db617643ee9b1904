import { type App, Tags } from "aws-cdk-lib";
import type { GithubCiConfig } from "./config/github.ts";
import { GITHUB_OIDC_STACK_ID, stackId, stackName } from "./config/naming.ts";
import type { StageConfig } from "./config/stages.ts";
import { GithubOidcStack } from "./stacks/github-oidc-stack.ts";
import { StatefulStack } from "./stacks/stateful-stack.ts";
import { StatelessStack } from "./stacks/stateless-stack.ts";

export interface RegionStacks {
  region: string;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export interface AddStageOptions {
  /** The web dashboard's build folder (default packages/web/dist); tests pass a fixture. */
  webAssetsDir?: string;
}

/** One stateful + one stateless stack per region of the stage, tagged with the stage. */
export function addStage(app: App, stage: StageConfig, options: AddStageOptions = {}): RegionStacks[] {
  return stage.regions.map((region) => {
    const env = { account: stage.account, region };
    const common = { env, terminationProtection: stage.kind === "prod" };
    const stateful = new StatefulStack(app, stackId(stage.name, "stateful", region), {
      ...common,
      stackName: stackName(stage.name, "stateful"),
      description: `Meridian ${stage.name} (${region}): tables, app secret, user pool, images and dashboard buckets and CDNs`,
      stage,
    });
    const stateless = new StatelessStack(app, stackId(stage.name, "stateless", region), {
      ...common,
      stackName: stackName(stage.name, "stateless"),
      description: `Meridian ${stage.name} (${region}): functions, front door, alarms, dashboard files`,
      stage,
      region,
      tables: {
        epochs: stateful.epochs,
        apiKeys: stateful.apiKeys,
        catalog: stateful.catalog,
        orders: stateful.orders,
      },
      appSecret: stateful.appSecret,
      imagesUrl: stateful.images.publicUrl,
      jwt: { issuer: stateful.userPool.userPoolProviderUrl, audience: stateful.webClient.userPoolClientId },
      dashboard: {
        distribution: stateful.dashboard.distribution,
        origin: stateful.dashboard.origin,
        logoutUrl: stateful.logoutUrl,
      },
      webAssetsDir: options.webAssetsDir,
    });
    // Deployed after (and destroyed before) the state it reads.
    stateless.addStackDependency(
      stateful,
      "reads its tables, app secret, user pool and images bucket, and writes the dashboard's files",
    );
    for (const stack of [stateful, stateless]) {
      Tags.of(stack).add("meridian:stage", stage.name);
      Tags.of(stack).add("meridian:project", "meridian");
    }
    return { region, stateful, stateless };
  });
}

/** The account-wide GitHub OIDC provider and deploy roles (IAM is global: one region is enough). */
export function addGithubOidc(app: App, github: GithubCiConfig, account?: string): GithubOidcStack {
  const stack = new GithubOidcStack(app, GITHUB_OIDC_STACK_ID, {
    env: { account, region: "us-east-1" },
    description: `Meridian: GitHub Actions OIDC deploy roles for ${github.repository}`,
    github,
  });
  Tags.of(stack).add("meridian:project", "meridian");
  return stack;
}
