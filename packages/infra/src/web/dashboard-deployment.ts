import type { DashboardConfig } from "@meridian/core";
import type { RemovalPolicy } from "aws-cdk-lib";
import { Duration, Stack, Validations } from "aws-cdk-lib";
import type { IDistribution } from "aws-cdk-lib/aws-cloudfront";
import type { IBucket } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, CacheControl, Source } from "aws-cdk-lib/aws-s3-deployment";
import { Construct } from "constructs";
import type { StageConfig } from "../config/stages.ts";
import { projectLogGroup } from "../constructs/log-group.ts";
import { nagResource } from "../constructs/meridian-function.ts";

/** Where the build lives in the bucket (Vite `base: "/app/"`): every URL of the dashboard starts with `/app/`. */
export const DASHBOARD_PREFIX = "app/";

/** The one file that differs per stage, written at deploy next to the build: `/app/config.json`. */
export const DASHBOARD_CONFIG_FILE = "config.json";

/** Vite's hashed output (`assets/<name>-<hash>.<ext>`): a new build has new names, so a year is safe. */
export const ASSETS_PATTERN = "assets/*";

/** `/app/config.json` (core's DashboardConfig, which packages/web reads). Values may be tokens. */
export type DashboardConfigJson = DashboardConfig;

export interface DashboardDeploymentProps {
  stage: StageConfig;
  removalPolicy: RemovalPolicy;
  /** The stateful stack's dashboard bucket (imported by name) and distribution. */
  bucket: IBucket;
  distribution: IDistribution;
  /** The build (checked by webAssetsDir): index.html, assets/, anything else Vite copied. */
  assetsDir: string;
  config: DashboardConfigJson;
}

/**
 * Writes the dashboard's build and its `config.json` to the bucket at every deploy, in two steps:
 * 1. the hashed assets (`app/assets/*`), `Cache-Control: public, max-age=31536000, immutable`;
 * 2. then everything else — `index.html`, `config.json` (this stage's API URL, user pool and client) and any
 *    unhashed file — `Cache-Control: no-cache`, and CloudFront's copies of `/app/index.html` and
 *    `/app/config.json` invalidated.
 * A page is written only after the assets it names, so no viewer gets an index.html whose scripts are not
 * there yet. Each step prunes what the build no longer has, within its own files only (the other step's are
 * excluded from its sync).
 */
export class DashboardDeployment extends Construct {
  readonly assets: BucketDeployment;
  readonly entry: BucketDeployment;

  constructor(scope: Construct, id: string, props: DashboardDeploymentProps) {
    super(scope, id);
    const { stage, removalPolicy, bucket, distribution, assetsDir, config } = props;
    // One zip of the build for both steps; each step's include/exclude picks its files from it.
    const build = Source.asset(assetsDir);
    const common = {
      destinationBucket: bucket,
      destinationKeyPrefix: DASHBOARD_PREFIX,
      prune: true,
      // The files stay when the stack goes: the bucket is the stateful stack's (emptied as docs/deploy.md says).
      retainOnDelete: true,
      memoryLimit: 256,
      // One handler serves both steps (aws-cdk-lib's singleton per stack and memory size), so one log group.
      logGroup: projectLogGroup(this, "HandlerLogs", {
        retention: stage.logRetentionDays,
        removalPolicy,
      }),
    };

    this.assets = new BucketDeployment(this, "Assets", {
      ...common,
      sources: [build],
      exclude: ["*"],
      include: [ASSETS_PATTERN],
      cacheControl: [
        CacheControl.setPublic(),
        CacheControl.maxAge(Duration.days(365)),
        CacheControl.immutable(),
      ],
    });

    this.entry = new BucketDeployment(this, "Entry", {
      ...common,
      sources: [build, Source.jsonData(DASHBOARD_CONFIG_FILE, config)],
      exclude: [ASSETS_PATTERN],
      cacheControl: [CacheControl.noCache()],
      distribution,
      distributionPaths: [`/${DASHBOARD_PREFIX}index.html`, `/${DASHBOARD_PREFIX}${DASHBOARD_CONFIG_FILE}`],
    });
    this.entry.node.addDependency(this.assets);

    acknowledgeDeploymentHandler(this.assets, bucket);
  }
}

/** aws-cdk-lib's singleton function (one per stack and memory size) behind both deployments, and its role. */
function acknowledgeDeploymentHandler(deployment: BucketDeployment, bucket: IBucket): void {
  const role = deployment.handlerRole;
  const handler = role.node.scope;
  if (!handler) throw new Error("BucketDeployment's role has no function around it: aws-cdk-lib changed");
  const stack = Stack.of(deployment);
  // Where Source.asset puts the build's zip: the bootstrap's file assets bucket.
  const assetsBucket = `arn:${stack.partition}:s3:::cdk-${stack.synthesizer.bootstrapQualifier}-assets-${stack.account}-${stack.region}`;
  const once =
    "aws-cdk-lib's BucketDeployment handler runs only when a deploy changes the dashboard's files: it copies " +
    "the build from the CDK assets bucket into the dashboard bucket and invalidates two paths";
  Validations.of(role).acknowledge(
    {
      id: "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason: `${once}; its role comes with the basic execution policy (its own log writes).`,
    },
    ...["s3:GetObject*", "s3:GetBucket*", "s3:List*", "s3:DeleteObject*", "s3:Abort*"].map((action) => ({
      id: `AwsSolutions::AwsSolutions-IAM5[Action::${action}]`,
      reason: `${once}; aws-cdk-lib grants it read on the assets bucket and read-write on the dashboard bucket with these action families (sync, prune).`,
    })),
    {
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagResource(stack, `${assetsBucket}/*`)}]`,
      reason: `${once}; it reads the build's zip, which the CDK assets bucket holds under a content hash.`,
    },
    {
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${nagResource(stack, bucket.arnForObjects("*"))}]`,
      reason: `${once}; it writes and prunes the build's files, whose names carry content hashes, in the dashboard bucket.`,
    },
    {
      id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
      reason: `${once}; cloudfront:CreateInvalidation and GetInvalidation support no resource-level permission here (aws-cdk-lib grants them on *).`,
    },
  );
  Validations.of(handler).acknowledge(
    {
      id: "AwsSolutions::AwsSolutions-L1",
      reason: `${once}; its Python runtime is the one aws-cdk-lib pins and tests with the AWS CLI layer it ships.`,
    },
    {
      id: "cdk-validator-cfnguard::lambda_inside_vpc_check",
      reason: `${once}; it calls only S3 and CloudFront APIs, so a VPC would add endpoints and protect nothing.`,
    },
  );
}
