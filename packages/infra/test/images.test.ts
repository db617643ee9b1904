import { Match, type Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { IMAGE_PROCESSOR_RETRY_ATTEMPTS } from "../src/images/image-processor.ts";
import { STALE_UPLOAD_TAG } from "../src/images/product-images.ts";
import { templatesFor } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, read by the shape each test asserts.
type Cfn = any;

const PROD = { kind: "prod", removalPolicy: "retain", logRetentionDays: 365 } as const;
const ORIGINS = ["https://shop.example.com", "https://admin.example.com/"];

/** The images bucket's name as CloudFormation gets it (config/naming.ts). */
const BUCKET_NAME = { "Fn::Join": ["", ["meridian-test-img-", { Ref: "AWS::AccountId" }, "-eu-west-1"]] };
/** The bucket's ARN, plus `suffix`, as the stateless stack writes it (by name: no cross-stack reference). */
const bucketArn = (suffix = "") => ({
  "Fn::Join": ["", ["arn:aws:s3:::meridian-test-img-", { Ref: "AWS::AccountId" }, `-eu-west-1${suffix}`]],
});

function only(template: Template, type: string, props: object = {}): [string, Cfn] {
  const found = Object.entries(template.findResources(type, props));
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Cfn];
}

const imagesBucket = (t: Template) => only(t, "AWS::S3::Bucket", { Properties: { BucketName: BUCKET_NAME } });
/** The images CDN (the stateful stack also holds the web dashboard's, test/web.test.ts). */
const imagesCdn = (t: Template) =>
  only(t, "AWS::CloudFront::Distribution", {
    Properties: { DistributionConfig: { Comment: Match.stringLikeRegexp("product images") } },
  });

/** The statements of the bucket policy on the bucket with logical id `bucketId`. */
function bucketPolicy(t: Template, bucketId: string): Array<Cfn> {
  const [, policy] = only(t, "AWS::S3::BucketPolicy", { Properties: { Bucket: { Ref: bucketId } } });
  return policy.Properties.PolicyDocument.Statement;
}

/** Every statement of the inline policies of the role whose logical id starts with `prefix`. */
function roleStatements(t: Template, prefix: string): Array<Cfn> {
  const roleId = Object.keys(t.findResources("AWS::IAM::Role")).find((id) => id.startsWith(prefix));
  expect(roleId, prefix).toBeDefined();
  return Object.values(t.findResources("AWS::IAM::Policy"))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
}

const s3Statements = (t: Template, role: string) =>
  roleStatements(t, role)
    .filter((s) => [s.Action].flat().some((a: string) => a.startsWith("s3:")))
    .map(({ Action, Resource, Condition, Effect }) => ({ Action, Resource, Condition, Effect }));

describe("the images bucket (stateful stack)", () => {
  it("is private, SSE-S3, unversioned, with access logs, named for stage, account and region", () => {
    const [, bucket] = imagesBucket(templatesFor({}).stateful);
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      LoggingConfiguration: { DestinationBucketName: { Ref: expect.stringMatching(/^ProductImagesLogs/) } },
    });
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
  });

  it("refuses any request without TLS, and lets the CDN read the renditions only, for this distribution", () => {
    const t = templatesFor({}).stateful;
    const [bucketId] = imagesBucket(t);
    const [cdnId] = imagesCdn(t);
    const statements = bucketPolicy(t, bucketId);

    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual({
      Action: "s3:*",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
      Effect: "Deny",
      Principal: { AWS: "*" },
      Resource: [
        { "Fn::GetAtt": [bucketId, "Arn"] },
        { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/*"]] },
      ],
    });
    expect(statements).toContainEqual({
      Sid: "CloudFrontReadsRenditions",
      Action: "s3:GetObject",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Resource: { "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId, "Arn"] }, "/products/*/images/*"]] },
      Condition: {
        StringEquals: {
          "AWS:SourceArn": {
            "Fn::Join": [
              "",
              ["arn:aws:cloudfront::", { Ref: "AWS::AccountId" }, ":distribution/", { Ref: cdnId }],
            ],
          },
        },
      },
    });
  });

  it("takes browser POSTs from the stage's corsOrigins and the web dashboard only", () => {
    const dashboardOrigin = (t: Template) => {
      const [cdnId] = only(t, "AWS::CloudFront::Distribution", {
        Properties: { DistributionConfig: { Comment: Match.stringLikeRegexp("web dashboard") } },
      });
      return { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [cdnId, "DomainName"] }]] };
    };
    const withOriginsTemplate = templatesFor({ corsOrigins: ORIGINS }).stateful;
    const [, withOrigins] = imagesBucket(withOriginsTemplate);
    expect(withOrigins.Properties.CorsConfiguration).toEqual({
      CorsRules: [
        {
          AllowedMethods: ["POST"],
          AllowedOrigins: [
            "https://shop.example.com",
            "https://admin.example.com",
            dashboardOrigin(withOriginsTemplate),
          ],
          MaxAge: 3600,
        },
      ],
    });
    const withoutTemplate = templatesFor({ corsOrigins: [] }).stateful;
    const [, without] = imagesBucket(withoutTemplate);
    expect(without.Properties.CorsConfiguration).toEqual({
      CorsRules: [
        { AllowedMethods: ["POST"], AllowedOrigins: [dashboardOrigin(withoutTemplate)], MaxAge: 3600 },
      ],
    });
  });

  it("expires uploads tagged as such after a day, and nothing else", () => {
    const [, bucket] = imagesBucket(templatesFor({}).stateful);
    expect(bucket.Properties.LifecycleConfiguration).toEqual({
      Rules: [
        {
          Id: "stale-uploads",
          Status: "Enabled",
          Prefix: "products/",
          TagFilters: [{ Key: STALE_UPLOAD_TAG.key, Value: STALE_UPLOAD_TAG.value }],
          ExpirationInDays: 1,
        },
      ],
    });
  });

  it("is retained in prod with its logs, and deleted with a dev stage", () => {
    const [, prod] = imagesBucket(templatesFor(PROD).stateful);
    expect(prod).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    const [, dev] = imagesBucket(templatesFor({}).stateful);
    expect(dev).toMatchObject({ DeletionPolicy: "Delete", UpdateReplacePolicy: "Delete" });
    const logs = Object.entries(templatesFor(PROD).stateful.findResources("AWS::S3::Bucket")).filter(([id]) =>
      id.startsWith("ProductImagesLogs"),
    );
    expect(logs).toHaveLength(1);
    expect(logs[0]?.[1]).toMatchObject({
      DeletionPolicy: "Retain",
      Properties: { LifecycleConfiguration: { Rules: [{ ExpirationInDays: 365, Status: "Enabled" }] } },
    });
  });
});

describe("the images CDN (stateful stack)", () => {
  it("reads the bucket through a SigV4 origin access control, HTTPS only, GET/HEAD, cached long, with security headers and access logs", () => {
    const t = templatesFor({}).stateful;
    const [oacId, oac] = only(t, "AWS::CloudFront::OriginAccessControl", {
      Properties: { OriginAccessControlConfig: { Name: Match.stringLikeRegexp("-images-") } },
    });
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      Name: "meridian-test-images-eu-west-1",
      OriginAccessControlOriginType: "s3",
      SigningBehavior: "always",
      SigningProtocol: "sigv4",
    });
    const [, cdn] = imagesCdn(t);
    const config = cdn.Properties.DistributionConfig;
    // The bucket by name, not by reference (the web dashboard's CSP names this CDN: product-images.ts).
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: {
          "Fn::Join": [
            "",
            ["meridian-test-img-", { Ref: "AWS::AccountId" }, "-eu-west-1.s3.eu-west-1.amazonaws.com"],
          ],
        },
        OriginAccessControlId: { "Fn::GetAtt": [oacId, "Id"] },
        S3OriginConfig: { OriginAccessIdentity: "" },
      }),
    ]);
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: "https-only",
      AllowedMethods: ["GET", "HEAD"],
      // The managed CachingOptimized policy (TTL up to a year) and SecurityHeadersPolicy (nosniff, HSTS...).
      CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6",
      ResponseHeadersPolicyId: "67f7725c-6f97-4210-82d7-5512b31e9d03",
    });
    expect(config.CacheBehaviors).toBeUndefined();
    expect(config.Logging).toEqual({
      Bucket: { "Fn::GetAtt": [expect.stringMatching(/^ProductImagesLogs/), "RegionalDomainName"] },
      Prefix: "cloudfront/images/",
    });
    expect(config.Enabled).toBe(true);
  });

  it("hands its https URL to the image processor, across the stacks", () => {
    const t = templatesFor({}).stateless;
    const [, fn] = only(t, "AWS::Lambda::Function", {
      Properties: { Description: Match.stringLikeRegexp("checks uploaded product images") },
    });
    expect(fn.Properties.Environment.Variables.IMAGES_PUBLIC_URL).toEqual({
      "Fn::Join": [
        "",
        [
          "https://",
          {
            "Fn::GetStackOutput": expect.objectContaining({
              OutputName: expect.stringMatching(/^PublishOutputFnGetAttProductImagesCdn.*DomainName/),
            }),
          },
        ],
      ],
    });
    expect(fn.Properties.Environment.Variables.IMAGES_BUCKET).toEqual(BUCKET_NAME);
  });
});

describe("the image processor (stateless stack)", () => {
  it("runs on every object created under products/, invoked by S3 for this bucket and account only", () => {
    const t = templatesFor({}).stateless;
    const [fnId] = only(t, "AWS::Lambda::Function", {
      Properties: { Description: Match.stringLikeRegexp("checks uploaded product images") },
    });
    const [, notifications] = only(t, "Custom::S3BucketNotifications");
    expect(notifications.Properties).toMatchObject({
      BucketName: BUCKET_NAME,
      Managed: false,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: [
          {
            Events: ["s3:ObjectCreated:*"],
            Filter: { Key: { FilterRules: [{ Name: "prefix", Value: "products/" }] } },
            LambdaFunctionArn: { "Fn::GetAtt": [fnId, "Arn"] },
          },
        ],
      },
    });
    t.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": [fnId, "Arn"] },
      Principal: "s3.amazonaws.com",
      SourceAccount: { Ref: "AWS::AccountId" },
      SourceArn: bucketArn(),
    });
    // The stateful stack holds no notification of its own: no dependency back on this stack.
    templatesFor({}).stateful.resourceCountIs("Custom::S3BucketNotifications", 0);
  });

  it("retries a failed event twice, then sends it to an encrypted, TLS-only queue", () => {
    const t = templatesFor({}).stateless;
    const [queueId, queue] = only(t, "AWS::SQS::Queue", {
      Properties: { QueueName: "meridian-test-image-processor-failures" },
    });
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    const [, config] = only(t, "AWS::Lambda::EventInvokeConfig", {
      Properties: { FunctionName: { Ref: Match.stringLikeRegexp("^ImageProcessor") } },
    });
    expect(config.Properties).toMatchObject({
      FunctionName: { Ref: expect.stringMatching(/^ImageProcessor/) },
      Qualifier: "$LATEST",
      MaximumRetryAttempts: IMAGE_PROCESSOR_RETRY_ATTEMPTS,
      DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queueId, "Arn"] } } },
    });
    expect(IMAGE_PROCESSOR_RETRY_ATTEMPTS).toBe(2);
    const [, policy] = only(t, "AWS::SQS::QueuePolicy", { Properties: { Queues: [{ Ref: queueId }] } });
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });

  it("has 1024 MB, and exactly its grants: uploads read and deleted, renditions written and deleted, listing of those prefixes, catalog Get/Update, its queue", () => {
    const t = templatesFor({}).stateless;
    t.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("checks uploaded product images"),
      MemorySize: 1024,
    });
    expect(s3Statements(t, "ImageProcessorRole")).toEqual([
      { Action: "s3:GetObject", Resource: bucketArn("/products/*/uploads/*"), Effect: "Allow" },
      { Action: "s3:PutObject", Resource: bucketArn("/products/*/images/*"), Effect: "Allow" },
      {
        Action: "s3:DeleteObject",
        Resource: [bucketArn("/products/*/images/*"), bucketArn("/products/*/uploads/*")],
        Effect: "Allow",
      },
      {
        Action: "s3:ListBucket",
        Resource: bucketArn(),
        Condition: { StringLike: { "s3:prefix": ["products/*/uploads/*", "products/*/images/*"] } },
        Effect: "Allow",
      },
    ]);
    const others = roleStatements(t, "ImageProcessorRole")
      .filter((s) => ![s.Action].flat().some((a: string) => a.startsWith("s3:")))
      .map((s) => [s.Action].flat().join(","));
    expect(others.sort()).toEqual(
      [
        "logs:CreateLogStream,logs:PutLogEvents",
        "dynamodb:GetItem,dynamodb:UpdateItem",
        "sqs:GetQueueAttributes,sqs:GetQueueUrl,sqs:SendMessage",
      ].sort(),
    );
  });
});

describe("the HTTP function's images grants", () => {
  it("signs upload POSTs (PutObject and the lifecycle tag on uploads), lists and deletes under products/ only", () => {
    expect(s3Statements(templatesFor({}).stateless, "HttpRole")).toEqual([
      {
        Action: ["s3:PutObject", "s3:PutObjectTagging"],
        Resource: bucketArn("/products/*/uploads/*"),
        Effect: "Allow",
      },
      { Action: "s3:DeleteObject", Resource: bucketArn("/products/*"), Effect: "Allow" },
      {
        Action: "s3:ListBucket",
        Resource: bucketArn(),
        Condition: { StringLike: { "s3:prefix": ["products/*"] } },
        Effect: "Allow",
      },
    ]);
  });
});
