import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { orderStreamMapping } from "@meridian/functions";
import { CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { FilterCriteria, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { removalPolicyOf } from "../config/naming.ts";
import type { StageConfig } from "../config/stages.ts";
import { MeridianFunction } from "../constructs/meridian-function.ts";
import { createFrontDoor, type FrontDoor } from "../front-doors/index.ts";

/**
 * A Lambda entry point of @meridian/functions (`http`, `order-stream`). The package exports only its root, so
 * the handler file is found next to it; resolution still goes through the package name, not a relative path
 * into another package.
 */
export function functionEntry(name: "http" | "order-stream"): string {
  const root = createRequire(import.meta.url).resolve("@meridian/functions");
  return join(dirname(root), name, "handler.ts");
}

export interface StatelessStackProps extends StackProps {
  stage: StageConfig;
  region: string;
  tables: { epochs: ITable; apiKeys: ITable; catalog: ITable; orders: ITable };
  appSecret: ISecret;
  /** The token issuer (Cognito user pool URL) and the client id tokens must be issued for. */
  jwt: { issuer: string; audience: string };
}

/**
 * Everything that can be replaced at any time: the HTTP and order-stream functions, the front door, throttling,
 * the stream's dead-letter queue and the alarms. State lives in the stateful stack and is passed in.
 */
export class StatelessStack extends Stack {
  readonly httpFunction: MeridianFunction;
  readonly orderStreamFunction: MeridianFunction;
  readonly orderStreamDlq: Queue;
  readonly frontDoor: FrontDoor;
  /** Alarm notifications; subscribe people or a chat integration to it (docs/deploy.md). */
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stage, region, tables, appSecret, jwt } = props;
    const removalPolicy = removalPolicyOf(stage);

    this.httpFunction = new MeridianFunction(this, "Http", {
      entry: functionEntry("http"),
      description: `Meridian ${stage.name}: the HTTP API (all routes)`,
      memorySize: stage.memorySizeMb,
      reservedConcurrentExecutions: stage.reservedConcurrency,
      logRetention: stage.logRetentionDays,
      logRemovalPolicy: removalPolicyOf(stage),
      tracing: stage.tracing,
      environment: { API_KEY_CACHE_TTL_SECONDS: "30", JWT_ISSUER: jwt.issuer, JWT_AUDIENCE: jwt.audience },
    })
      // Epochs: put (plain and inside TransactWriteItems, which needs PutItem per item), get, newest-first query.
      .bindTable(tables.epochs, "TABLE_EPOCHS", ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"])
      // API keys: one GetItem per authentication; creating and revoking keys is the operator CLI's job.
      .bindTable(tables.apiKeys, "TABLE_API_KEYS", ["dynamodb:GetItem"])
      // Catalog: create (Put), get, getMany (BatchGet), list (Query byKind), update and stock changes (Update,
      // also inside the cancel transaction).
      .bindTable(
        tables.catalog,
        "TABLE_CATALOG",
        ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:UpdateItem"],
        { indexes: ["byKind"] },
      )
      // Orders: create (Put, also in the idempotent transaction), get, list (Query byCustomer/byStatus), cancel.
      .bindTable(
        tables.orders,
        "TABLE_ORDERS",
        ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
        { indexes: ["byCustomer", "byStatus"] },
      )
      .bindSecret(appSecret, "APP_SECRET_ARN");

    // Records that still fail after the retries land here (a pointer to the batch, not the order itself).
    this.orderStreamDlq = new Queue(this, "OrderStreamDlq", {
      queueName: `meridian-${stage.name}-order-stream-dlq`,
      retentionPeriod: Duration.days(14),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy,
    });
    const isDlq =
      "This queue is the dead-letter destination of the order stream; it has none of its own by design.";
    Validations.of(this.orderStreamDlq).acknowledge(
      { id: "AwsSolutions::AwsSolutions-SQS3", reason: isDlq },
      { id: "cdk-validator-cfnguard::sqs_dlq_check", reason: isDlq },
    );
    this.orderStreamFunction = new MeridianFunction(this, "OrderStream", {
      entry: functionEntry("order-stream"),
      description: `Meridian ${stage.name}: reserves stock for new orders (orders table stream)`,
      timeout: Duration.seconds(30),
      logRetention: stage.logRetentionDays,
      logRemovalPolicy: removalPolicy,
      tracing: stage.tracing,
    })
      // reserve: one transaction of Updates on catalog and orders; reject: a conditional Update of the order.
      .bindTable(tables.orders, "TABLE_ORDERS", ["dynamodb:UpdateItem"])
      .bindTable(tables.catalog, "TABLE_CATALOG", ["dynamodb:UpdateItem"]);
    this.orderStreamFunction.addEventSource(
      // The settings the sandbox's stream runner also follows (@meridian/functions' orderStreamMapping).
      new DynamoEventSource(tables.orders, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: orderStreamMapping.batchSize,
        maxBatchingWindow:
          orderStreamMapping.maximumBatchingWindowSeconds > 0
            ? Duration.seconds(orderStreamMapping.maximumBatchingWindowSeconds)
            : undefined,
        retryAttempts: orderStreamMapping.maximumRetryAttempts,
        maxRecordAge: Duration.seconds(orderStreamMapping.maximumRecordAgeSeconds),
        bisectBatchOnError: orderStreamMapping.bisectBatchOnFunctionError,
        reportBatchItemFailures: orderStreamMapping.reportBatchItemFailures,
        filters: orderStreamMapping.filters.map((pattern) => FilterCriteria.filter(pattern)),
        onFailure: new SqsDlq(this.orderStreamDlq),
      }),
    );
    Validations.of(this.orderStreamFunction.role ?? this.orderStreamFunction).acknowledge({
      id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
      reason:
        "Besides X-Ray, the stream poller's dynamodb:ListStreams supports no resource-level permission; the " +
        "stream itself (DescribeStream, GetRecords, GetShardIterator) is granted on its ARN only.",
    });

    this.frontDoor = createFrontDoor(this, "FrontDoor", { stage, region, handler: this.httpFunction });

    this.alarmTopic = new Topic(this, "AlarmTopic", {
      topicName: `meridian-${stage.name}-alarms`,
      displayName: `Meridian ${stage.name} alarms`,
      enforceSSL: true,
    });
    Validations.of(this.alarmTopic).acknowledge({
      id: "AwsSolutions::AwsSolutions-SNS2",
      reason:
        "Alarm notifications carry alarm names and metric values only. CloudWatch cannot publish to a topic " +
        "encrypted with the AWS managed key, so SSE would need a customer managed key per stage and region.",
    });
    const notify = new SnsAction(this.alarmTopic);

    const http5xx = new Alarm(this, "Http5xxAlarm", {
      alarmDescription: `Meridian ${stage.name}: >= ${stage.alarms.http5xxPerMinute} 5xx responses a minute`,
      metric: this.frontDoor.metricServerErrors(),
      threshold: stage.alarms.http5xxPerMinute,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const latency = new Alarm(this, "LatencyP99Alarm", {
      alarmDescription: `Meridian ${stage.name}: p99 latency above ${stage.alarms.p99LatencyMs} ms`,
      metric: this.frontDoor.metricLatencyP99(),
      threshold: stage.alarms.p99LatencyMs,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    for (const alarm of [http5xx, latency]) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }

    const dlqAlarm = new Alarm(this, "OrderStreamDlqAlarm", {
      alarmDescription: `Meridian ${stage.name}: order stream records in the dead-letter queue`,
      metric: this.orderStreamDlq.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    dlqAlarm.addAlarmAction(notify);
    dlqAlarm.addOkAction(notify);

    new CfnOutput(this, "ApiUrl", { value: this.frontDoor.url });
    new CfnOutput(this, "HttpFunctionName", { value: this.httpFunction.functionName });
    new CfnOutput(this, "OrderStreamDlqUrl", { value: this.orderStreamDlq.queueUrl });
    new CfnOutput(this, "AlarmTopicArn", { value: this.alarmTopic.topicArn });
    if (this.frontDoor.domainTarget) {
      new CfnOutput(this, "DomainTarget", {
        value: this.frontDoor.domainTarget,
        description: `Point ${stage.domain?.name} here (CNAME or alias record)`,
      });
    }
  }
}
