import { type RemovalPolicy, Validations } from "aws-cdk-lib";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";

export interface ProjectLogGroupProps {
  retention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

/** Control Tower's minimum (CT.CLOUDWATCH.PR.2); prod meets it, shorter stages acknowledge it. */
const ONE_YEAR_DAYS = 365;

/**
 * A log group with the stage's retention. Two Control Tower controls are acknowledged here, once, with reasons:
 * KMS encryption (CloudWatch Logs already encrypts at rest) and, for non-production stages, one-year retention.
 */
export function projectLogGroup(scope: Construct, id: string, props: ProjectLogGroupProps): LogGroup {
  const logGroup = new LogGroup(scope, id, {
    retention: props.retention,
    removalPolicy: props.removalPolicy,
  });
  Validations.of(logGroup).acknowledge({
    id: "cdk-validator-cfnguard::cloudwatch_log_group_encrypted_check",
    reason:
      "CloudWatch Logs encrypts log data at rest with service keys. A customer managed KMS key per log group " +
      "costs $1/month plus requests and a key policy to maintain, and the logs carry no secrets.",
  });
  if (props.retention < ONE_YEAR_DAYS) {
    Validations.of(logGroup).acknowledge({
      id: "cdk-validator-cfnguard::cloudwatch_log_group_retention_period_check",
      reason: `Retention is ${props.retention} days by the stage config: non-production stages keep logs briefly to limit cost; prod keeps ${ONE_YEAR_DAYS}.`,
    });
  }
  return logGroup;
}
