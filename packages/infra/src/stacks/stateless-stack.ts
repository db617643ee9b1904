import { DASHBOARD_SCOPE } from "@meridian/core";
import {
  corsEnvironment,
  httpEnvironment,
  imageLimitsEnvironment,
  metricsJobEnvironment,
  orderLimitsEnvironment,
  orderStreamEnvironment,
  orderStreamMapping,
} from "@meridian/functions";
import { CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import type { IDistribution } from "aws-cdk-lib/aws-cloudfront";
import type { Dashboard } from "aws-cdk-lib/aws-cloudwatch";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import { FilterCriteria, StartingPosition } from "aws-cdk-lib/aws-lambda";
import { DynamoEventSource, SqsDlq } from "aws-cdk-lib/aws-lambda-event-sources";
import { Bucket } from "aws-cdk-lib/aws-s3";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { Topic } from "aws-cdk-lib/aws-sns";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import type { Construct } from "constructs";
import { functionEntry } from "../bundling/lambda-bundle.ts";
import { dashboardBucketName, removalPolicyOf } from "../config/naming.ts";
import type { StageConfig } from "../config/stages.ts";
import { FUNCTION_TIMEOUTS } from "../config/timeouts.ts";
import { MeridianFunction } from "../constructs/meridian-function.ts";
import { answersCorsItself, createFrontDoor, type FrontDoor } from "../front-doors/index.ts";
import { addImageProcessor } from "../images/image-processor.ts";
import { IMAGE_KEYS } from "../images/product-images.ts";
import { StageAlarms } from "../observability/alarms.ts";
import { createAlertTopic } from "../observability/alerts.ts";
import { StageDashboard } from "../observability/dashboard.ts";
import { SERVICE } from "../observability/meridian-metrics.ts";
import { MetricsSchedule } from "../observability/metrics-job.ts";
import { DashboardDeployment } from "../web/dashboard-deployment.ts";
import { webAssetsDir } from "../web/web-assets.ts";

/**
 * A Lambda entry point of @meridian/functions (`http`, `order-stream`, `metrics-job`). The package exports only
 * its root, so the handler file is found next to it; resolution still goes through the package name, not a
 * relative path into another package.
 */
export interface StatelessStackProps extends StackProps {
  stage: StageConfig;
  region: string;
  tables: { epochs: ITable; apiKeys: ITable; catalog: ITable; orders: ITable };
  appSecret: ISecret;
  /** The CDN's `https://<domain>` in front of the stateful stack's images bucket (IMAGES_PUBLIC_URL). */
  imagesUrl: string;
  /** The token issuer (Cognito user pool URL) and the client id tokens must be issued for. */
  jwt: { issuer: string; audience: string };
  /**
   * The web dashboard's CDN (stateful stack; its bucket is found by name), its origin (`https://<domain>`,
   * allowed by the API's CORS) and Cognito's sign-out URL, for the files and `config.json` this stack writes.
   */
  dashboard: { distribution: IDistribution; origin: string; logoutUrl: string };
  /** The dashboard's build folder; default packages/web/dist (web/web-assets.ts). Tests pass a fixture. */
  webAssetsDir?: string;
}

/**
 * Everything that can be replaced at any time: the HTTP, order-stream, metrics-job and image-processor
 * functions (with the images bucket's event notification), the front door, throttling, the dead-letter queues,
 * the metrics job's schedule, the alarms with their topic, the CloudWatch dashboard, and the web dashboard's
 * files with their `config.json`. State lives in the stateful stack and is passed in.
 */
export class StatelessStack extends Stack {
  readonly httpFunction: MeridianFunction;
  readonly orderStreamFunction: MeridianFunction;
  readonly metricsJobFunction: MeridianFunction;
  readonly imageProcessorFunction: MeridianFunction;
  readonly orderStreamDlq: Queue;
  /** The image processor's on-failure destination. */
  readonly imageProcessorFailures: Queue;
  readonly metricsSchedule: MetricsSchedule;
  readonly frontDoor: FrontDoor;
  /** Alarm notifications; `alertEmails` of the stage are subscribed, add chat integrations by hand. */
  readonly alarmTopic: Topic;
  readonly alarms: StageAlarms;
  readonly dashboard: Dashboard;
  /** The web dashboard's files in the stateful stack's bucket. */
  readonly webDashboard: DashboardDeployment;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stage, region, tables, appSecret, jwt, imagesUrl, dashboard } = props;
    // Checked first: without a build there is nothing to deploy, whatever else is right.
    const assetsDir = webAssetsDir(props.webAssetsDir);
    const removalPolicy = removalPolicyOf(stage);
    // The names each function's loader reads (@meridian/functions' environment contracts).
    const http = httpEnvironment.variables;
    const orderStream = orderStreamEnvironment.variables;
    const metricsJob = metricsJobEnvironment.variables;
    // The web dashboard calls the API from its own origin: CORS allows it besides the stage's corsOrigins.
    const corsOrigins = [...stage.corsOrigins, dashboard.origin];

    this.httpFunction = new MeridianFunction(this, "Http", {
      entry: functionEntry("http"),
      description: `Meridian ${stage.name}: the HTTP API (all routes)`,
      memorySize: stage.memorySizeMb,
      timeout: FUNCTION_TIMEOUTS.http,
      reservedConcurrentExecutions: stage.reservedConcurrency,
      logRetention: stage.logRetentionDays,
      logRemovalPolicy: removalPolicy,
      tracing: stage.tracing,
      service: SERVICE.http,
      logLevel: stage.logLevel,
      environment: {
        [http.apiKeyCacheTtlSeconds]: "30",
        [http.jwtIssuer]: jwt.issuer,
        [http.jwtAudience]: jwt.audience,
        ...orderLimitsEnvironment(stage.orderLimits),
        ...imageLimitsEnvironment(stage.imageLimits),
        // Behind the REST API and the ALB the app answers CORS; the HTTP API answers it itself.
        ...(answersCorsItself(stage.frontDoor) ? {} : corsEnvironment(corsOrigins)),
      },
    })
      // Epochs: put (plain and inside TransactWriteItems, which needs PutItem per item), get, newest-first query.
      .bindTable(tables.epochs, http.tables.epochs, [
        "dynamodb:PutItem",
        "dynamodb:GetItem",
        "dynamodb:Query",
      ])
      // API keys: one GetItem per authentication; creating and revoking keys is the operator CLI's job.
      .bindTable(tables.apiKeys, http.tables.apiKeys, ["dynamodb:GetItem"])
      // Catalog: create (Put), get, getMany (BatchGet), list (Query byKind), update and stock changes (Update,
      // also inside the cancel transaction). Images: a record and its place (Put + Update in a transaction),
      // reorder (Update), DELETE (the record's Delete in a transaction with the product's Update).
      .bindTable(
        tables.catalog,
        http.tables.catalog,
        [
          "dynamodb:PutItem",
          "dynamodb:GetItem",
          "dynamodb:BatchGetItem",
          "dynamodb:UpdateItem",
          "dynamodb:DeleteItem",
        ],
        { indexes: ["byKind"] },
      )
      // Orders: create (Put, in a transaction with the customer's allowance), get, list (Query byCustomer/byStatus),
      // cancel.
      .bindTable(
        tables.orders,
        http.tables.orders,
        ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:UpdateItem"],
        { indexes: ["byCustomer", "byStatus"] },
      )
      .bindSecret(appSecret, http.appSecretArn);
    // GET /metrics reads the dashboard's series back from CloudWatch (one GetMetricData a minute per window).
    this.httpFunction.addToRolePolicy(
      new PolicyStatement({ actions: ["cloudwatch:GetMetricData"], resources: ["*"] }),
    );
    Validations.of(this.httpFunction.role ?? this.httpFunction).acknowledge({
      id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
      reason:
        "cloudwatch:GetMetricData supports no resource-level permission (Resource '*' only); it reads metrics " +
        "and writes nothing. Besides it, only X-Ray's PutTraceSegments and PutTelemetryRecords, which need '*' too.",
    });

    const imageProcessor = addImageProcessor(this, {
      stage,
      removalPolicy,
      imagesUrl,
      catalog: tables.catalog,
    });
    this.imageProcessorFunction = imageProcessor.function;
    this.imageProcessorFailures = imageProcessor.failures;
    // Images: signs the upload POST (the signer needs s3:PutObject on the key the policy fixes, and
    // s3:PutObjectTagging for the tag it sets: the lifecycle rule's); DELETE lists
    // and deletes an image's upload and renditions (ListObjectsV2 + DeleteObjects under products/).
    this.httpFunction.bindBucket(imageProcessor.bucket, http.imagesBucket, {
      objects: [
        { actions: ["s3:PutObject", "s3:PutObjectTagging"], keys: [IMAGE_KEYS.uploads] },
        { actions: ["s3:DeleteObject"], keys: [IMAGE_KEYS.products] },
      ],
      listPrefixes: [IMAGE_KEYS.products],
    });

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
      timeout: FUNCTION_TIMEOUTS.orderStream,
      logRetention: stage.logRetentionDays,
      logRemovalPolicy: removalPolicy,
      tracing: stage.tracing,
      service: SERVICE.orderStream,
      logLevel: stage.logLevel,
    })
      // reserve: one transaction of Updates on catalog and orders; reject: a conditional Update of the order,
      // then the customer's allowance read and written back (Get, conditional Put) to give its place back.
      .bindTable(tables.orders, orderStream.tables.orders, [
        "dynamodb:UpdateItem",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
      ])
      .bindTable(tables.catalog, orderStream.tables.catalog, ["dynamodb:UpdateItem"]);
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

    this.metricsJobFunction = new MeridianFunction(this, "MetricsJob", {
      entry: functionEntry("metrics-job"),
      description: `Meridian ${stage.name}: publishes data metrics every ${stage.metricsJobPeriodMinutes} minute(s)`,
      memorySize: 256,
      timeout: FUNCTION_TIMEOUTS.metricsJob,
      logRetention: stage.logRetentionDays,
      logRemovalPolicy: removalPolicy,
      tracing: stage.tracing,
      service: SERVICE.metricsJob,
      logLevel: stage.logLevel,
      // The job reports on the last complete interval of the schedule's period.
      environment: { [metricsJob.intervalSeconds]: String(stage.metricsJobPeriodMinutes * 60) },
    })
      // Epochs: Query per shard for the interval's count; PutItem of the per-interval marker (idempotency).
      .bindTable(tables.epochs, metricsJob.tables.epochs, [
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:DescribeTable",
      ])
      // Orders: Query byStatus (PENDING, oldest first; counts per status). DescribeTable everywhere: item
      // count and size. No Scan anywhere.
      .bindTable(tables.orders, metricsJob.tables.orders, ["dynamodb:DescribeTable"], {
        indexes: ["byStatus"],
      })
      .bindTable(tables.catalog, metricsJob.tables.catalog, ["dynamodb:DescribeTable"])
      .bindTable(tables.apiKeys, metricsJob.tables.apiKeys, ["dynamodb:DescribeTable"]);
    this.metricsSchedule = new MetricsSchedule(this, "MetricsJobSchedule", {
      stage,
      target: this.metricsJobFunction,
      removalPolicy,
    });

    this.frontDoor = createFrontDoor(this, "FrontDoor", {
      stage: { ...stage, corsOrigins },
      region,
      handler: this.httpFunction,
    });

    // The dashboard's build and this stage's config.json: one build serves every stage.
    this.webDashboard = new DashboardDeployment(this, "WebDashboard", {
      stage,
      removalPolicy,
      bucket: Bucket.fromBucketName(
        this,
        "DashboardBucket",
        dashboardBucketName(stage.name, this.account, region),
      ),
      distribution: dashboard.distribution,
      assetsDir,
      config: {
        stage: stage.name,
        apiUrl: this.frontDoor.url,
        imagesUrl,
        auth: {
          authority: jwt.issuer,
          clientId: jwt.audience,
          logoutUrl: dashboard.logoutUrl,
          scope: DASHBOARD_SCOPE,
        },
      },
    });

    this.alarmTopic = createAlertTopic(this, stage).topic;
    const functions = {
      [SERVICE.http]: this.httpFunction,
      [SERVICE.orderStream]: this.orderStreamFunction,
      [SERVICE.metricsJob]: this.metricsJobFunction,
    };
    // The image processor has alarms of its own (an error is retried, and the runbook differs); the
    // dashboard shows it with the others.
    const allFunctions = { ...functions, [SERVICE.imageProcessor]: this.imageProcessorFunction };
    const namedTables = {
      epochs: tables.epochs,
      "api-keys": tables.apiKeys,
      catalog: tables.catalog,
      orders: tables.orders,
    };
    const deadLetterQueues = {
      [SERVICE.orderStream]: this.orderStreamDlq,
      [SERVICE.metricsJob]: this.metricsSchedule.deadLetterQueue,
      [SERVICE.imageProcessor]: this.imageProcessorFailures,
    };
    this.alarms = new StageAlarms(this, "Alarms", {
      stage,
      topic: this.alarmTopic,
      frontDoor: this.frontDoor,
      functions,
      orderStream: this.orderStreamFunction,
      imageProcessor: this.imageProcessorFunction,
      deadLetterQueues,
      tables: namedTables,
    });
    this.dashboard = new StageDashboard(this, "Dashboard", {
      stage,
      region,
      frontDoor: this.frontDoor,
      functions: allFunctions,
      orderStream: this.orderStreamFunction,
      deadLetterQueues,
      tables: namedTables,
      alarms: this.alarms.alarms,
      logGroupNames: Object.values(allFunctions).map((fn) => fn.logGroup.logGroupName),
    }).dashboard;

    new CfnOutput(this, "ApiUrl", { value: this.frontDoor.url });
    new CfnOutput(this, "HttpFunctionName", { value: this.httpFunction.functionName });
    new CfnOutput(this, "OrderStreamDlqUrl", { value: this.orderStreamDlq.queueUrl });
    new CfnOutput(this, "AlarmTopicArn", { value: this.alarmTopic.topicArn });
    new CfnOutput(this, "DashboardName", { value: this.dashboard.dashboardName });
    // Where the structured logs are, for CloudWatch Logs Insights (docs/operations.md).
    new CfnOutput(this, "HttpLogGroup", { value: this.httpFunction.logGroup.logGroupName });
    new CfnOutput(this, "OrderStreamLogGroup", { value: this.orderStreamFunction.logGroup.logGroupName });
    new CfnOutput(this, "MetricsJobLogGroup", { value: this.metricsJobFunction.logGroup.logGroupName });
    new CfnOutput(this, "ImageProcessorLogGroup", {
      value: this.imageProcessorFunction.logGroup.logGroupName,
    });
    new CfnOutput(this, "ImageProcessorFailuresUrl", { value: this.imageProcessorFailures.queueUrl });
    if (this.frontDoor.domainTarget) {
      new CfnOutput(this, "DomainTarget", {
        value: this.frontDoor.domainTarget,
        description: `Point ${stage.domain?.name} here (CNAME or alias record)`,
      });
    }
  }
}
