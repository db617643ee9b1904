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

export const GITHUB_OIDC_STACK_ID = "meridian-github-oidc";

/** RETAIN in prod (the config refuses anything else there), DESTROY where the stage says so. */
export function removalPolicyOf(stage: StageConfig): RemovalPolicy {
  return stage.removalPolicy === "retain" ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
}
