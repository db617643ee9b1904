import { RemovalPolicy } from "aws-cdk-lib";
import type { StageConfig } from "./stages.ts";

/**
 * Physical and construct names in one place. Stacks are `meridian-<stage>-<part>-<region>` (construct id, what the
 * CDK CLI selects) and `meridian-<stage>-<part>` (CloudFormation name; stacks are regional, so it can repeat).
 */
export function stackId(stage: string, part: "stateful" | "stateless", region: string): string {
  return `meridian-${stage}-${part}-${region}`;
}

export function stackName(stage: string, part: "stateful" | "stateless"): string {
  return `meridian-${stage}-${part}`;
}

/**
 * The images bucket's name, `meridian-<stage>-img-<account>-<region>` (at most 61 characters of S3's 63).
 * Fixed, not generated: the stateless stack names it in IAM, in the function's environment and in the
 * notification without a reference to the stateful stack, and S3 names are global, hence account and region.
 */
export function imagesBucketName(stage: string, account: string, region: string): string {
  return `meridian-${stage}-img-${account}-${region}`;
}

/**
 * The web dashboard's bucket, `meridian-<stage>-web-<account>-<region>` (at most 61 characters), fixed for the
 * same reason: the stateless stack writes the dashboard's files into it by name.
 */
export function dashboardBucketName(stage: string, account: string, region: string): string {
  return `meridian-${stage}-web-${account}-${region}`;
}

export const GITHUB_OIDC_STACK_ID = "meridian-github-oidc";

/** RETAIN in prod (the config refuses anything else there), DESTROY where the stage says so. */
export function removalPolicyOf(stage: StageConfig): RemovalPolicy {
  return stage.removalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
