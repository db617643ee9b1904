import { orderStreamMapping } from "@meridian/functions";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
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

/** "*", or the logical id / stack output name a resource comes from, plus any literal suffix such as /index/x. */
function simplify(resource: unknown): string {
  const json = JSON.stringify(resource);
  if (json === '"*"') return "*";
  const output = /"OutputName":"PublishOutput(?:FnGetAtt|Ref)([A-Za-z]+?)[0-9A-F]{8}/.exec(json)?.[1];
  const getAtt = /"Fn::GetAtt":\["([A-Za-z]+?)[0-9A-F]{8}/.exec(json)?.[1];
  const suffix = /"(\/index\/[^"]+)"/.exec(json)?.[1] ?? "";
  return `${output ?? getAtt ?? json}${suffix}`;
}

const XRAY = ["xray:PutTelemetryRecords on *", "xray:PutTraceSegments on *"];

describe("the functions", () => {
  it("run Node.js 24 on arm64 with tracing, the stage's log retention and their env contract", () => {
    // Arrange / Act
    const template = templatesFor({ logRetentionDays: 30, reservedConcurrency: 25 }).stateless;

    // Assess
    template.resourceCountIs("AWS::Lambda::Function", 2);
    template.allResourcesProperties("AWS::Lambda::Function", {
      Runtime: "nodejs24.x",
      Architectures: ["arm64"],
      Handler: "index.handler",
      TracingConfig: { Mode: "Active" },
      LoggingConfig: { LogGroup: { Ref: Match.stringLikeRegexp("Logs") } },
    });
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
          NODE_OPTIONS: "--enable-source-maps",
        },
      },
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("reserves stock"),
      Environment: {
        Variables: {
          TABLE_CATALOG: Match.anyValue(),
          TABLE_ORDERS: Match.anyValue(),
          NODE_OPTIONS: Match.anyValue(),
        },
      },
    });
    const retention = Object.values(template.findResources("AWS::Logs::LogGroup")).map(
      (g) => g.Properties.RetentionInDays,
    );
    expect(retention).toEqual([30, 30, 30]); // two functions + the access logs
  });

  it("HTTP: exactly the actions it uses, on exactly the resources it uses; '*' only for X-Ray", () => {
    const grants = grantsOf(templatesFor({}).stateless, "Http");
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
        "dynamodb:Query on Catalog/index/byKind",
        "dynamodb:PutItem on Orders",
        "dynamodb:GetItem on Orders",
        "dynamodb:UpdateItem on Orders",
        "dynamodb:Query on Orders/index/byCustomer",
        "dynamodb:Query on Orders/index/byStatus",
        "secretsmanager:GetSecretValue on AppSecret",
      ].sort(),
    );
  });

  it("order stream: updates orders and catalog, reads the stream, dead-letters; '*' only for X-Ray and ListStreams", () => {
    const grants = grantsOf(templatesFor({}).stateless, "OrderStream");
    expect(grants.sort()).toEqual(
      [
        ...XRAY,
        "logs:CreateLogStream on OrderStreamLogs",
        "logs:PutLogEvents on OrderStreamLogs",
        "dynamodb:UpdateItem on Orders",
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

  it("never grants a wildcard action, and no managed policy", () => {
    const template = templatesFor({ frontDoor: "rest-api" }).stateless;
    for (const fn of ["Http", "OrderStream"]) {
      for (const grant of grantsOf(template, fn)) expect(grant.split(" on ")[0]).not.toMatch(/\*/);
    }
    for (const [id, role] of Object.entries(template.findResources("AWS::IAM::Role"))) {
      if (id.startsWith("Http") || id.startsWith("OrderStream")) {
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

  it("drops tracing and the X-Ray grant when the stage turns tracing off", () => {
    const template = templatesFor({ tracing: false }).stateless;
    template.allResourcesProperties("AWS::Lambda::Function", { TracingConfig: Match.absent() });
    expect(grantsOf(template, "Http").filter((g) => g.endsWith(" on *"))).toEqual([]);
  });
});
