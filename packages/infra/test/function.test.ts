import { loadRuntimeConfig, orderStreamMapping } from "@meridian/functions";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { FUNCTION_TIMEOUTS } from "../src/config/timeouts.ts";
import { templatesFor } from "./helpers.ts";

interface Statement {
  Action: string | string[];
  Resource: unknown;
  Effect: string;
}

const list = <T>(value: T | T[]) => (Array.isArray(value) ? value : [value]);

/** Every (action, resource) pair the role of function `fn` (construct id) is allowed, resources simplified. */
function grantsOf(template: Template, fn: string): string[] {
  const roleId = Object.keys(template.findResources("AWS::IAM::Role")).find((id) =>
    id.startsWith(`${fn}Role`),
  );
  const policies = Object.values(template.findResources("AWS::IAM::Policy")).filter((p) =>
    JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`),
  );
  const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  return statements.flatMap((s) => {
    expect(s.Effect).toBe("Allow");
    return list(s.Action).flatMap((action) => list(s.Resource).map((r) => `${action} on ${simplify(r)}`));
  });
}

/**
 * "*", or the logical id / stack output name a resource comes from, plus any literal suffix such as /index/x;
 * the images bucket (named, not referenced: config/naming.ts) as `ImagesBucket` plus its key pattern.
 */
function simplify(resource: unknown): string {
  const json = JSON.stringify(resource);
  if (json === '"*"') return "*";
  const images =
    /:s3:::meridian-[a-z0-9-]+-img-",\{"Ref":"AWS::AccountId"\},"-[a-z]+-[a-z]+-\d(\/[^"]*)?"/.exec(json);
  if (images) return `ImagesBucket${images[1] ?? ""}`;
  const output = /"OutputName":"PublishOutput(?:FnGetAtt|Ref)([A-Za-z]+?)[0-9A-F]{8}/.exec(json)?.[1];
  const getAtt = /"Fn::GetAtt":\["([A-Za-z]+?)[0-9A-F]{8}/.exec(json)?.[1];
  const suffix = /"(\/index\/[^"]+)"/.exec(json)?.[1] ?? "";
  return `${output ?? getAtt ?? json}${suffix}`;
}

const XRAY = ["xray:PutTelemetryRecords on *", "xray:PutTraceSegments on *"];
const FUNCTIONS = ["Http", "OrderStream", "MetricsJob", "ImageProcessor"] as const;

/**
 * The project's functions (MeridianFunction sets POWERTOOLS_SERVICE_NAME), not the one aws-cdk-lib adds to
 * write the images bucket's notification configuration at deploy time.
 */
function ourFunctions(template: Template): Array<{ Properties: Record<string, unknown> }> {
  return Object.values(
    template.findResources("AWS::Lambda::Function") as Record<
      string,
      { Properties: Record<string, unknown> }
    >,
  ).filter(
    (fn) =>
      (fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
        ?.POWERTOOLS_SERVICE_NAME !== undefined,
  );
}

/** Tracing is off outside prod by default; these tests turn it on to see its grants next to the others. */
const traced = { tracing: true } as const;

describe("the functions", () => {
  it("hand the stage's order and image limits to the HTTP function, in variables its own loader reads", () => {
    // Arrange / Act
    const template = templatesFor({
      orderLimits: { openOrdersPerDay: 4, ordersPerMinute: 2 },
      imageLimits: { maxUploadBytes: 2 * 1024 * 1024 },
    }).stateless;

    // Assess
    const http = Object.values(template.findResources("AWS::Lambda::Function")).find((fn) =>
      String(fn.Properties.Description).includes("HTTP API"),
    );
    const variables = http?.Properties.Environment.Variables as Record<string, unknown>;
    expect(variables).toMatchObject({
      ORDER_LIMIT_OPEN_ORDERS_PER_DAY: "4",
      ORDER_LIMIT_ORDERS_PER_MINUTE: "2",
    });
    expect(variables.ORDER_LIMIT_UNITS_PER_PRODUCT_PER_DAY).toBeUndefined();
    // Deploy-time values (table names, ARNs) are tokens here: stand-ins of the right shape.
    const standIns: Record<string, string> = {
      APP_SECRET_ARN: "arn:aws:secretsmanager:x",
      JWT_ISSUER: "https://issuer.test",
      IMAGES_BUCKET: "meridian-test-img-123456789012-eu-west-1",
    };
    const env = Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [
        name,
        typeof value === "string" ? value : (standIns[name] ?? `t-${name}`),
      ]),
    );
    expect(loadRuntimeConfig(env).orderLimits).toEqual({
      openOrdersPerDay: 4,
      unitsPerProductPerDay: 20,
      ordersPerMinute: 2,
    });
    expect(loadRuntimeConfig(env).imageLimits).toMatchObject({
      maxUploadBytes: 2_097_152,
      maxImagesPerProduct: 10,
    });
  });

  it("run Node.js 24 on arm64 with tracing, the stage's log retention and their env contract", () => {
    // Arrange / Act
    const template = templatesFor({
      ...traced,
      logRetentionDays: 30,
      reservedConcurrency: 25,
      logLevel: "WARN",
      metricsJobPeriodMinutes: 10,
    }).stateless;

    // Assess
    const functions = ourFunctions(template);
    expect(functions).toHaveLength(4);
    for (const fn of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        TracingConfig: { Mode: "Active" },
        LoggingConfig: { LogGroup: { Ref: expect.stringMatching(/Logs/) } },
      });
    }
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("HTTP API"),
      MemorySize: 512,
      ReservedConcurrentExecutions: 25,
      Environment: {
        Variables: {
          TABLE_EPOCHS: Match.anyValue(),
          TABLE_API_KEYS: Match.anyValue(),
          TABLE_CATALOG: Match.anyValue(),
          TABLE_ORDERS: Match.anyValue(),
          APP_SECRET_ARN: Match.anyValue(),
          JWT_ISSUER: Match.anyValue(),
          JWT_AUDIENCE: Match.anyValue(),
          API_KEY_CACHE_TTL_SECONDS: "30",
          // Stacks are source-mapped by the code, lazily (decision 0009), not by Node at every file load.
          NODE_OPTIONS: Match.absent(),
          LOG_LEVEL: "WARN",
          POWERTOOLS_SERVICE_NAME: "http",
          TRACING_ENABLED: "true",
        },
      },
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("reserves stock"),
      Environment: {
        Variables: {
          TABLE_CATALOG: Match.anyValue(),
          TABLE_ORDERS: Match.anyValue(),
          LOG_LEVEL: "WARN",
          POWERTOOLS_SERVICE_NAME: "order-stream",
          TRACING_ENABLED: "true",
        },
      },
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("publishes data metrics every 10 minute"),
      Timeout: FUNCTION_TIMEOUTS.metricsJob.toSeconds(),
      Environment: {
        Variables: {
          TABLE_EPOCHS: Match.anyValue(),
          TABLE_API_KEYS: Match.anyValue(),
          TABLE_CATALOG: Match.anyValue(),
          TABLE_ORDERS: Match.anyValue(),
          METRICS_INTERVAL_SECONDS: "600",
          LOG_LEVEL: "WARN",
          POWERTOOLS_SERVICE_NAME: "metrics-job",
          TRACING_ENABLED: "true",
        },
      },
    });
    const retention = Object.values(template.findResources("AWS::Logs::LogGroup")).map(
      (g) => g.Properties.RetentionInDays,
    );
    // four functions + the access logs + the web dashboard's deployment handler
    expect(retention).toEqual([30, 30, 30, 30, 30, 30]);
  });

  it("HTTP: exactly the actions it uses, on exactly the resources it uses; '*' only for X-Ray and GetMetricData", () => {
    const grants = grantsOf(templatesFor(traced).stateless, "Http");
    expect(grants.sort()).toEqual(
      [
        ...XRAY,
        "logs:CreateLogStream on HttpLogs",
        "logs:PutLogEvents on HttpLogs",
        "dynamodb:PutItem on Epochs",
        "dynamodb:GetItem on Epochs",
        "dynamodb:Query on Epochs",
        "dynamodb:GetItem on ApiKeys",
        "dynamodb:PutItem on Catalog",
        "dynamodb:GetItem on Catalog",
        "dynamodb:BatchGetItem on Catalog",
        "dynamodb:UpdateItem on Catalog",
        "dynamodb:DeleteItem on Catalog",
        "dynamodb:Query on Catalog/index/byKind",
        "dynamodb:PutItem on Orders",
        "dynamodb:GetItem on Orders",
        "dynamodb:UpdateItem on Orders",
        "dynamodb:Query on Orders/index/byCustomer",
        "dynamodb:Query on Orders/index/byStatus",
        "secretsmanager:GetSecretValue on AppSecret",
        "s3:PutObject on ImagesBucket/products/*/uploads/*",
        "s3:PutObjectTagging on ImagesBucket/products/*/uploads/*",
        "s3:DeleteObject on ImagesBucket/products/*",
        "s3:ListBucket on ImagesBucket",
        // GET /metrics: GetMetricData has no resource-level permission.
        "cloudwatch:GetMetricData on *",
      ].sort(),
    );
  });

  it("order stream: updates orders and catalog, gives a rejected order's place back (allowance Get, Put), reads the stream, dead-letters; '*' only for X-Ray and ListStreams", () => {
    const grants = grantsOf(templatesFor(traced).stateless, "OrderStream");
    expect(grants.sort()).toEqual(
      [
        ...XRAY,
        "logs:CreateLogStream on OrderStreamLogs",
        "logs:PutLogEvents on OrderStreamLogs",
        "dynamodb:UpdateItem on Orders",
        "dynamodb:GetItem on Orders",
        "dynamodb:PutItem on Orders",
        "dynamodb:UpdateItem on Catalog",
        "dynamodb:ListStreams on *",
        "dynamodb:DescribeStream on Orders",
        "dynamodb:GetRecords on Orders",
        "dynamodb:GetShardIterator on Orders",
        "sqs:SendMessage on OrderStreamDlq",
        "sqs:GetQueueAttributes on OrderStreamDlq",
        "sqs:GetQueueUrl on OrderStreamDlq",
      ].sort(),
    );
  });

  it("metrics job: queries epochs and orders byStatus, writes its interval marker, describes the four tables", () => {
    // Assess: nothing else; no cloudwatch:PutMetricData either, metrics leave as EMF lines on stdout.
    const grants = grantsOf(templatesFor(traced).stateless, "MetricsJob");
    expect(grants.sort()).toEqual(
      [
        ...XRAY,
        "logs:CreateLogStream on MetricsJobLogs",
        "logs:PutLogEvents on MetricsJobLogs",
        "dynamodb:Query on Epochs",
        "dynamodb:PutItem on Epochs",
        "dynamodb:DescribeTable on Epochs",
        "dynamodb:DescribeTable on Orders",
        "dynamodb:Query on Orders/index/byStatus",
        "dynamodb:DescribeTable on Catalog",
        "dynamodb:DescribeTable on ApiKeys",
      ].sort(),
    );
  });

  it("never grants a wildcard action, and no managed policy", () => {
    const template = templatesFor({ ...traced, frontDoor: "rest-api" }).stateless;
    for (const fn of FUNCTIONS) {
      for (const grant of grantsOf(template, fn)) expect(grant.split(" on ")[0]).not.toMatch(/\*/);
    }
    for (const [id, role] of Object.entries(template.findResources("AWS::IAM::Role"))) {
      if (FUNCTIONS.some((fn) => id.startsWith(`${fn}Role`))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
          { Action: "sts:AssumeRole", Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" } },
        ]);
      }
    }
  });

  it("reads the orders stream with the mapping the sandbox also follows, failures to the DLQ", () => {
    templatesFor({}).stateless.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: Match.anyValue(),
      StartingPosition: "TRIM_HORIZON",
      BatchSize: orderStreamMapping.batchSize,
      MaximumRetryAttempts: orderStreamMapping.maximumRetryAttempts,
      MaximumRecordAgeInSeconds: orderStreamMapping.maximumRecordAgeSeconds,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      FilterCriteria: {
        Filters: [
          { Pattern: '{"eventName":["INSERT"],"dynamodb":{"NewImage":{"status":{"S":["PENDING"]}}}}' },
        ],
      },
      DestinationConfig: {
        OnFailure: { Destination: { "Fn::GetAtt": [Match.stringLikeRegexp("^OrderStreamDlq"), "Arn"] } },
      },
    });
  });

  it("traces in prod by default and nowhere else unless the stage says so", () => {
    const prod = { kind: "prod", removalPolicy: "retain", logRetentionDays: 365 } as const;
    for (const fn of ourFunctions(templatesFor(prod).stateless)) {
      expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
    }
    for (const fn of ourFunctions(templatesFor({}).stateless)) {
      expect(fn.Properties.TracingConfig).toBeUndefined();
    }
  });

  it("drops tracing and every X-Ray grant when the stage turns tracing off", () => {
    const template = templatesFor({ tracing: false }).stateless;
    expect(ourFunctions(template)).toHaveLength(4);
    for (const fn of ourFunctions(template)) {
      expect(fn.Properties.TracingConfig).toBeUndefined();
      expect(fn.Properties).toMatchObject({ Environment: { Variables: { TRACING_ENABLED: "false" } } });
    }
    for (const fn of FUNCTIONS) {
      const grants = grantsOf(template, fn);
      expect(grants.length).toBeGreaterThan(2);
      expect(grants.filter((g) => g.startsWith("xray:"))).toEqual([]);
    }
    // The only '*' left: the HTTP function's GetMetricData (GET /metrics) and the stream poller's ListStreams.
    expect(FUNCTIONS.flatMap((fn) => grantsOf(template, fn)).filter((g) => g.endsWith(" on *"))).toEqual([
      "cloudwatch:GetMetricData on *",
      "dynamodb:ListStreams on *",
    ]);
  });
});
