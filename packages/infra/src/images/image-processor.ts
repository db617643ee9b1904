import { imageProcessorEnvironment } from "@meridian/functions";
import { Duration, type RemovalPolicy, type Stack, Validations } from "aws-cdk-lib";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { SqsDestination } from "aws-cdk-lib/aws-lambda-destinations";
import { Bucket, EventType, type IBucket } from "aws-cdk-lib/aws-s3";
import { LambdaDestination } from "aws-cdk-lib/aws-s3-notifications";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { functionEntry, LAMBDA_NATIVE_PACKAGES } from "../bundling/lambda-bundle.ts";
import { imagesBucketName } from "../config/naming.ts";
import type { StageConfig } from "../config/stages.ts";
import { FUNCTION_TIMEOUTS } from "../config/timeouts.ts";
import { MeridianFunction } from "../constructs/meridian-function.ts";
import { SERVICE } from "../observability/meridian-metrics.ts";
import { IMAGE_KEYS } from "./product-images.ts";

/** Lambda's asynchronous invocation retries each failed event twice (the sandbox's event runner follows it). */
export const IMAGE_PROCESSOR_RETRY_ATTEMPTS = 2;

export interface ImageProcessorProps {
  stage: StageConfig;
  removalPolicy: RemovalPolicy;
  /** The CDN's `https://<distribution domain>` (the stateful stack's ProductImages.publicUrl). */
  imagesUrl: string;
  catalog: ITable;
}

export interface ImageProcessor {
  function: MeridianFunction;
  /** Where an event lands after its retries failed: Lambda's on-failure destination record. */
  failures: Queue;
  /** The images bucket as this stack sees it (imported by name). */
  bucket: IBucket;
}

/**
 * The image processor, its S3 trigger and its on-failure queue, in the stateless stack. The bucket is
 * imported by its fixed name (config/naming.ts) rather than passed as the stateful stack's Bucket: the
 * notification configuration names the function, so on the stateful stack's own Bucket it would land in the
 * stateful stack and make it depend on the stateless one, which already depends on it (a cycle). On an
 * imported bucket CDK writes the notification from this stack, with a custom resource that adds ours and
 * keeps any other configuration of the bucket.
 */
export function addImageProcessor(stack: Stack, props: ImageProcessorProps): ImageProcessor {
  const { stage, removalPolicy } = props;
  const variables = imageProcessorEnvironment.variables;
  const bucket = Bucket.fromBucketName(
    stack,
    "ImagesBucket",
    imagesBucketName(stage.name, stack.account, stack.region),
  );

  const failures = new Queue(stack, "ImageProcessorFailures", {
    queueName: `meridian-${stage.name}-image-processor-failures`,
    retentionPeriod: Duration.days(14),
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    removalPolicy,
  });
  const isDlq =
    "This queue is the image processor's on-failure destination (a dead-letter queue); it has none of its own.";
  Validations.of(failures).acknowledge(
    { id: "AwsSolutions::AwsSolutions-SQS3", reason: isDlq },
    { id: "cdk-validator-cfnguard::sqs_dlq_check", reason: isDlq },
  );

  const fn = new MeridianFunction(stack, "ImageProcessor", {
    entry: functionEntry("image-processor"),
    nativePackages: LAMBDA_NATIVE_PACKAGES["image-processor"],
    description: `Meridian ${stage.name}: checks uploaded product images and writes their renditions (S3 events)`,
    // decision 0018 and docs/performance.md: a 50 MP PNG peaks near 260 MiB; 1024 MB also buys CPU.
    memorySize: 1024,
    timeout: FUNCTION_TIMEOUTS.imageProcessor,
    logRetention: stage.logRetentionDays,
    logRemovalPolicy: removalPolicy,
    tracing: stage.tracing,
    service: SERVICE.imageProcessor,
    logLevel: stage.logLevel,
    environment: { [variables.imagesPublicUrl]: props.imagesUrl },
  })
    // Reads the upload, writes the renditions, deletes the upload once handled (and the renditions of an
    // image deleted while it was processed): ListObjectsV2 + DeleteObjects on those prefixes only.
    .bindBucket(bucket, variables.imagesBucket, {
      objects: [
        { actions: ["s3:GetObject"], keys: [IMAGE_KEYS.uploads] },
        { actions: ["s3:PutObject"], keys: [IMAGE_KEYS.renditions] },
        { actions: ["s3:DeleteObject"], keys: [IMAGE_KEYS.uploads, IMAGE_KEYS.renditions] },
      ],
      listPrefixes: [IMAGE_KEYS.uploads, IMAGE_KEYS.renditions],
    })
    // DynamoImageStore: get (GetItem), markReady and markRejected (TransactWriteItems of Updates, which
    // needs UpdateItem per item; the product's places are read with GetItem).
    .bindTable(props.catalog, variables.tables.catalog, ["dynamodb:GetItem", "dynamodb:UpdateItem"]);

  fn.configureAsyncInvoke({
    retryAttempts: IMAGE_PROCESSOR_RETRY_ATTEMPTS,
    // Lambda's default (6 hours) written down: an event waits at most this long through throttling.
    maxEventAge: Duration.hours(6),
    onFailure: new SqsDestination(failures),
  });

  // Every object created under products/; the processor skips anything that is not an upload (its own
  // renditions included) before reading it, so suffix and per-product prefixes need no filter.
  bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(fn), { prefix: "products/" });
  // The permission it adds for s3.amazonaws.com names this account (SourceAccount) and the images bucket
  // (SourceArn); the rule's check reads only literal strings, and both are built from AWS::AccountId here.
  Validations.of(bucket).acknowledge({
    id: "cdk-validator-cfnguard::lambda_function_public_access_prohibited_check",
    reason:
      "The permission lets only s3.amazonaws.com invoke the processor, for the images bucket (SourceArn) in this " +
      "account (SourceAccount); both are given, as Ref/Join of AWS::AccountId, which the rule cannot read.",
  });
  acknowledgeNotificationHandler(stack);

  return { function: fn, failures, bucket };
}

/** CDK's singleton function that writes an imported bucket's notification configuration at deploy time. */
function acknowledgeNotificationHandler(stack: Stack): void {
  const handler = stack.node.tryFindChild("BucketNotificationsHandler050a0587b7544547bf325f094a3db834");
  if (!handler) throw new Error("no BucketNotificationsHandler: aws-cdk-lib renamed it; find its new id");
  Validations.of(handler).acknowledge(
    {
      id: "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      reason:
        "aws-cdk-lib's bucket-notification handler runs once per deploy, to write the images bucket's " +
        "notification configuration; its role comes with the basic execution policy (its own log writes).",
    },
    {
      id: "cdk-validator-cfnguard::lambda_inside_vpc_check",
      reason:
        "aws-cdk-lib's bucket-notification handler calls only S3's PutBucketNotification API, once per deploy; " +
        "a VPC would add endpoints and protect nothing for that one call.",
    },
  );
}
