import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import { Effect, PolicyStatement, ServicePrincipal, StarPrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import type { StageConfig } from "../config/stages.ts";

export interface AlertTopic {
  topic: Topic;
  key: Key;
}

/**
 * The stage's alarm notifications: an SNS topic encrypted with its own KMS key, publishable over TLS only, with
 * the stage's `alertEmails` subscribed. A customer managed key rather than the AWS managed `alias/aws/sns`:
 * CloudWatch publishes alarms only to topics whose key policy lets `cloudwatch.amazonaws.com` use the key, and
 * the AWS managed key's policy cannot be changed (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
 * "Enable compatibility between event sources from AWS services and encrypted topics"). It costs $1/month per
 * stage and region.
 *
 * The topic keeps the construct id `AlarmTopic` it had before it was encrypted, so deployed stages update it in
 * place (same ARN, subscriptions kept) instead of replacing a topic whose name is fixed.
 */
export function createAlertTopic(scope: Construct, stage: StageConfig): AlertTopic {
  const { account, region, partition } = Stack.of(scope);

  const key = new Key(scope, "AlarmTopicKey", {
    description: `Meridian ${stage.name}: encrypts the alarm topic`,
    enableKeyRotation: true,
    // Messages are encrypted only while SNS holds them for delivery; nothing stored outlives the topic, so
    // the key can go with the stack (KMS still waits 7 days before deleting it).
    removalPolicy: RemovalPolicy.DESTROY,
    pendingWindow: Duration.days(7),
  });
  // CloudWatch alarms in this account and region may use the key to publish (and only for that).
  const fromOurAlarms = {
    StringEquals: { "aws:SourceAccount": account },
    ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${region}:${account}:alarm:*` },
  };
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: "CloudWatchAlarmsPublish",
      principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["kms:Decrypt", "kms:GenerateDataKey*"],
      resources: ["*"],
      conditions: fromOurAlarms,
    }),
  );
  // Nothing needs grants on this key: only AWS services may create them for AWS resources (CT.KMS.PR.3).
  key.addToResourcePolicy(
    new PolicyStatement({
      sid: "GrantsOnlyForAwsServices",
      effect: Effect.DENY,
      principals: [new StarPrincipal()],
      actions: ["kms:CreateGrant"],
      resources: ["*"],
      conditions: {
        BoolIfExists: { "kms:GrantIsForAWSResource": "false", "aws:PrincipalIsAWSService": "false" },
      },
    }),
  );

  const topic = new Topic(scope, "AlarmTopic", {
    topicName: `meridian-${stage.name}-alarms`,
    displayName: `Meridian ${stage.name} alarms`,
    masterKey: key,
    enforceSSL: true,
  });
  // enforceSSL writes a topic policy, which replaces SNS's default one: allow the alarms explicitly.
  topic.addToResourcePolicy(
    new PolicyStatement({
      sid: "CloudWatchAlarmsPublish",
      principals: [new ServicePrincipal("cloudwatch.amazonaws.com")],
      actions: ["sns:Publish"],
      resources: [topic.topicArn],
      conditions: fromOurAlarms,
    }),
  );
  for (const email of stage.alertEmails) topic.addSubscription(new EmailSubscription(email));
  return { topic, key };
}
