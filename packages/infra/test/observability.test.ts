import { readFileSync } from "node:fs";
import { ORDER_STATUSES } from "@meridian/core";
import { Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import type { StageConfigInput } from "../src/config/stages.ts";
import { synthStage, templatesFor } from "./helpers.ts";

type Props = Record<string, unknown>;

function stateless(overrides: Partial<StageConfigInput> = {}): Template {
  return templatesFor(overrides).stateless;
}

function idOf(template: Template, type: string, prefix: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.startsWith(prefix));
  expect(ids, `${type} ${prefix}`).toHaveLength(1);
  return ids[0] as string;
}

/** The one alarm named `meridian-test-<name>`, with its actions checked: the stage's topic on ALARM and OK. */
function alarm(template: Template, name: string): Props {
  const found = Object.values(
    template.findResources("AWS::CloudWatch::Alarm", { Properties: { AlarmName: `meridian-test-${name}` } }),
  );
  expect(found, name).toHaveLength(1);
  const props = (found[0] as { Properties: Props }).Properties;
  const topic = [{ Ref: idOf(template, "AWS::SNS::Topic", "AlarmTopic") }];
  expect(props.AlarmActions, name).toEqual(topic);
  expect(props.OKActions, name).toEqual(topic);
  expect(props.AlarmDescription, name).toContain(`Runbook: docs/operations.md#${name}`);
  return props;
}

const ref = (prefix: string) => ({ Ref: expect.stringMatching(new RegExp(`^${prefix}[0-9A-F]{8}$`)) });
const getAtt = (prefix: string, attribute: string) => ({
  "Fn::GetAtt": [expect.stringMatching(new RegExp(`^${prefix}[0-9A-F]{8}$`)), attribute],
});
/** The same, as matchers for Template assertions. */
const matchRef = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}[0-9A-F]{8}$`) });
const matchGetAtt = (prefix: string, attribute: string) => ({
  "Fn::GetAtt": [Match.stringLikeRegexp(`^${prefix}[0-9A-F]{8}$`), attribute],
});
const tableName = (logicalId: string) => ({
  "Fn::GetStackOutput": expect.objectContaining({
    OutputName: expect.stringMatching(new RegExp(`^PublishOutputRef${logicalId}`)),
  }),
});
const metricStat = (namespace: string, metricName: string, dimensions: unknown[], stat: string) => ({
  Metric: { Namespace: namespace, MetricName: metricName, Dimensions: dimensions },
  Period: 60,
  Stat: stat,
});

const FUNCTIONS = { http: "Http", "order-stream": "OrderStream", "metrics-job": "MetricsJob" } as const;
const TABLES = { epochs: "Epochs", "api-keys": "ApiKeys", catalog: "Catalog", orders: "Orders" } as const;
/**
 * 5xx + p99 + 3 functions × (errors + throttles) + iterator age + 3 DLQs (the image processor's on-failure
 * queue among them) + the image processor's errors + oldest pending + 4 tables.
 */
const ALARM_COUNT = 18;

describe("alert topic", () => {
  it("is encrypted with a rotating key CloudWatch may use, accepts TLS only, and mails the stage's addresses", () => {
    // Act
    const template = stateless({ alertEmails: ["ops@example.com", "oncall@example.com"] });

    // Assess
    template.hasResourceProperties("AWS::SNS::Topic", {
      TopicName: "meridian-test-alarms",
      KmsMasterKeyId: matchGetAtt("AlarmTopicKey", "Arn"),
    });
    template.hasResourceProperties("AWS::KMS::Key", {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
            Condition: Match.objectLike({ StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } }),
          }),
        ]),
      },
    });
    template.hasResourceProperties("AWS::SNS::TopicPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Action: "sns:Publish",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
          Match.objectLike({
            Effect: "Allow",
            Action: "sns:Publish",
            Principal: { Service: "cloudwatch.amazonaws.com" },
          }),
        ]),
      },
    });
    const subscriptions = Object.values(template.findResources("AWS::SNS::Subscription")).map(
      (s) => s.Properties,
    );
    expect(subscriptions).toEqual(
      ["ops@example.com", "oncall@example.com"].map((endpoint) => ({
        Protocol: "email",
        Endpoint: endpoint,
        TopicArn: ref("AlarmTopic"),
      })),
    );
  });

  it("has no subscription when the stage lists no addresses", () => {
    stateless().resourceCountIs("AWS::SNS::Subscription", 0);
  });
});

describe("front door alarms: only the configured front door's", () => {
  const thresholds = { alarms: { http5xxPerMinute: 42, p99LatencyMs: 800 } };
  const common5xx = {
    Threshold: 42,
    ComparisonOperator: "GreaterThanOrEqualToThreshold",
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    TreatMissingData: "notBreaching",
  };
  const commonP99 = {
    Threshold: 800,
    ComparisonOperator: "GreaterThanThreshold",
    EvaluationPeriods: 5,
    DatapointsToAlarm: 5,
    TreatMissingData: "notBreaching",
  };

  it.each([
    {
      frontDoor: "http-api" as const,
      errorMetric: "5xx",
      dimensions: [
        { Name: "ApiId", Value: ref("FrontDoorApi") },
        { Name: "Stage", Value: "$default" },
      ],
    },
    {
      frontDoor: "rest-api" as const,
      errorMetric: "5XXError",
      dimensions: [
        { Name: "ApiName", Value: "meridian-test" },
        { Name: "Stage", Value: ref("FrontDoorApiDeploymentStageapi") },
      ],
    },
  ])(
    "$frontDoor: AWS/ApiGateway $errorMetric and Latency p99 by its API and stage",
    ({ frontDoor, errorMetric, dimensions }) => {
      const template = stateless({ ...thresholds, frontDoor });
      template.resourceCountIs("AWS::CloudWatch::Alarm", ALARM_COUNT);
      expect(alarm(template, "http-5xx")).toMatchObject({
        ...common5xx,
        Namespace: "AWS/ApiGateway",
        MetricName: errorMetric,
        Dimensions: dimensions,
        Statistic: "Sum",
        Period: 60,
      });
      expect(alarm(template, "http-p99-latency")).toMatchObject({
        ...commonP99,
        Namespace: "AWS/ApiGateway",
        MetricName: "Latency",
        Dimensions: dimensions,
        ExtendedStatistic: "p99",
        Period: 60,
      });
    },
  );

  it("alb: target + load balancer 5xx summed, TargetResponseTime p99 in ms, by LoadBalancer", () => {
    const template = stateless({ ...thresholds, frontDoor: "alb" });
    const dimensions = [
      { Name: "LoadBalancer", Value: getAtt("FrontDoorLoadBalancer", "LoadBalancerFullName") },
    ];
    template.resourceCountIs("AWS::CloudWatch::Alarm", ALARM_COUNT);
    const errors = alarm(template, "http-5xx");
    expect(errors).toMatchObject(common5xx);
    expect(errors.Metrics).toEqual([
      expect.objectContaining({ Expression: "FILL(target, 0) + FILL(elb, 0)", ReturnData: true }),
      {
        Id: "target",
        MetricStat: metricStat("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", dimensions, "Sum"),
        ReturnData: false,
      },
      {
        Id: "elb",
        MetricStat: metricStat("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", dimensions, "Sum"),
        ReturnData: false,
      },
    ]);
    const latency = alarm(template, "http-p99-latency");
    expect(latency).toMatchObject(commonP99);
    expect(latency.Metrics).toEqual([
      expect.objectContaining({ Expression: "p99_seconds * 1000", ReturnData: true }),
      {
        Id: "p99_seconds",
        MetricStat: metricStat("AWS/ApplicationELB", "TargetResponseTime", dimensions, "p99"),
        ReturnData: false,
      },
    ]);
  });
});

describe("alarms shared by every front door", () => {
  const template = () =>
    stateless({
      alarms: { iteratorAgeSeconds: 90, oldestPendingOrderAgeSeconds: 600 },
      metricsJobPeriodMinutes: 10,
    });

  it("Lambda Errors > 0 and Throttles > 0 for each function, per minute", () => {
    const t = template();
    for (const [service, logicalId] of Object.entries(FUNCTIONS)) {
      for (const [suffix, metricName] of [
        ["errors", "Errors"],
        ["throttles", "Throttles"],
      ] as const) {
        expect(alarm(t, `lambda-${service}-${suffix}`)).toMatchObject({
          Namespace: "AWS/Lambda",
          MetricName: metricName,
          Dimensions: [{ Name: "FunctionName", Value: ref(logicalId) }],
          Statistic: "Sum",
          Period: 60,
          Threshold: 0,
          ComparisonOperator: "GreaterThanThreshold",
          EvaluationPeriods: 1,
          TreatMissingData: "notBreaching",
        });
      }
    }
  });

  it("order stream IteratorAge maximum above the stage's seconds, three minutes running", () => {
    expect(alarm(template(), "order-stream-iterator-age")).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "IteratorAge",
      Dimensions: [{ Name: "FunctionName", Value: ref("OrderStream") }],
      Statistic: "Maximum",
      Period: 60,
      Threshold: 90_000,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 3,
      DatapointsToAlarm: 3,
      TreatMissingData: "notBreaching",
    });
  });

  it("one alarm per dead-letter queue: messages visible > 0", () => {
    const t = template();
    for (const [name, queue] of [
      ["order-stream", "OrderStreamDlq"],
      ["metrics-job", "MetricsJobScheduleDlq"],
      ["image-processor", "ImageProcessorFailures"],
    ] as const) {
      expect(alarm(t, `${name}-dlq`)).toMatchObject({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: getAtt(queue, "QueueName") }],
        Statistic: "Maximum",
        Period: 300,
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 1,
        TreatMissingData: "notBreaching",
      });
    }
    const onQueues = Object.values(t.findResources("AWS::CloudWatch::Alarm")).filter(
      (a) => a.Properties.Namespace === "AWS/SQS",
    );
    expect(onQueues).toHaveLength(3);
  });

  it("the image processor: any failed invocation in a minute, an alarm of its own (not a lambda-* one)", () => {
    const t = template();
    expect(alarm(t, "image-processor-errors")).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: ref("ImageProcessor") }],
      Statistic: "Sum",
      Period: 60,
      Threshold: 0,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 1,
      TreatMissingData: "notBreaching",
    });
    const names = Object.values(t.findResources("AWS::CloudWatch::Alarm")).map((a) => a.Properties.AlarmName);
    expect(names.filter((n) => String(n).includes("lambda-image-processor"))).toEqual([]);
  });

  it("oldest PENDING order from the metrics job, per job interval; silence counts as breaching", () => {
    expect(alarm(template(), "oldest-pending-order")).toMatchObject({
      Namespace: "Meridian",
      MetricName: "OldestPendingOrderAgeSeconds",
      Dimensions: [{ Name: "service", Value: "metrics-job" }],
      Statistic: "Maximum",
      Period: 600,
      Threshold: 600,
      ComparisonOperator: "GreaterThanThreshold",
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      TreatMissingData: "breaching",
    });
  });

  it("DynamoDB read + write throttle events > 0 for each table", () => {
    const t = template();
    for (const [name, logicalId] of Object.entries(TABLES)) {
      const props = alarm(t, `dynamodb-${name}-throttles`);
      const dimensions = [{ Name: "TableName", Value: tableName(logicalId) }];
      expect(props).toMatchObject({
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
        EvaluationPeriods: 1,
        TreatMissingData: "notBreaching",
      });
      expect(props.Metrics).toEqual([
        expect.objectContaining({ Expression: "FILL(reads, 0) + FILL(writes, 0)", ReturnData: true }),
        {
          Id: "reads",
          MetricStat: metricStat("AWS/DynamoDB", "ReadThrottleEvents", dimensions, "Sum"),
          ReturnData: false,
        },
        {
          Id: "writes",
          MetricStat: metricStat("AWS/DynamoDB", "WriteThrottleEvents", dimensions, "Sum"),
          ReturnData: false,
        },
      ]);
    }
  });

  it("every alarm notifies the topic and has an entry in the runbook", () => {
    const runbook = readFileSync(new URL("../../../docs/operations.md", import.meta.url), "utf8");
    const names = Object.values(stateless().findResources("AWS::CloudWatch::Alarm")).map(
      (a) => a.Properties.AlarmName as string,
    );
    expect(names).toHaveLength(ALARM_COUNT);
    for (const name of names) {
      const suffix = name.replace(/^meridian-test-/, "");
      alarm(stateless(), suffix);
      // Per-function and per-table alarms share an entry: `lambda-<service>-errors` is under `lambda-errors`.
      const entry = suffix
        .replace(/^lambda-[a-z-]+-(errors|throttles)$/, "lambda-$1")
        .replace(/^dynamodb-[a-z-]+-throttles$/, "dynamodb-throttles");
      expect(runbook, suffix).toMatch(new RegExp(`<a id="${entry}"></a>|^#+ .*\\b${entry}\\b`, "m"));
    }
  });
});

/** The dashboard body as JSON, with every CloudFormation token replaced by "TOKEN". */
function dashboardBody(template: Template): {
  widgets: Array<{ type: string; properties: Record<string, unknown> }>;
} {
  const [dashboard] = Object.values(template.findResources("AWS::CloudWatch::Dashboard"));
  const parts = dashboard?.Properties.DashboardBody["Fn::Join"][1] as unknown[];
  return JSON.parse(parts.map((p) => (typeof p === "string" ? p : "TOKEN")).join(""));
}

describe("dashboard", () => {
  it("is named meridian-<stage>, or meridian-<stage>-<region> when the stage has several regions", () => {
    stateless().hasResourceProperties("AWS::CloudWatch::Dashboard", { DashboardName: "meridian-test" });
    const { stateless: eu } = synthStage({ regions: ["eu-west-1", "us-east-1"] }, { checks: false });
    Template.fromStack(eu).hasResourceProperties("AWS::CloudWatch::Dashboard", {
      DashboardName: "meridian-test-eu-west-1",
    });
  });

  it("shows every alarm, the traffic, errors, latency, business, job, Lambda, stream, queue and table metrics", () => {
    // Act
    const template = stateless();
    const body = dashboardBody(template);
    const text = JSON.stringify(body);

    // Assess: the alarm status widget lists all alarms.
    const alarmWidget = body.widgets.find((w) => w.type === "alarm");
    expect(alarmWidget?.properties.alarms).toHaveLength(ALARM_COUNT);
    // Per-route app metrics (SEARCH over the route dimension) and the front door's own.
    for (const name of ["Requests", "Errors", "ClientErrors"]) {
      expect(text).toContain(`{Meridian,service,route} MetricName=\\"${name}\\" service=\\"http\\"', 'Sum'`);
    }
    for (const stat of ["p50", "p99"]) {
      expect(text).toContain(`MetricName=\\"Latency\\" service=\\"http\\"', '${stat}'`);
      expect(text).toMatch(new RegExp(`"AWS/ApiGateway","Latency".*?"stat":"${stat}"`));
    }
    for (const name of ["Count", "5xx", "4xx"]) expect(text).toContain(`"AWS/ApiGateway","${name}"`);
    // Business events with the service that emits each.
    for (const [name, service] of [
      ["EpochsRecorded", "http"],
      ["OrdersPlaced", "http"],
      ["OrdersConfirmed", "order-stream"],
      ["OrdersRejected", "order-stream"],
      ["StockOuts", "order-stream"],
      ["StreamRecordsSkipped", "order-stream"],
    ]) {
      expect(text).toContain(`"Meridian","${name}","service","${service}"`);
    }
    // The metrics job's figures.
    expect(text).toContain('"Meridian","EpochsInInterval","service","metrics-job"');
    expect(text).toContain('"Meridian","OldestPendingOrderAgeSeconds","service","metrics-job"');
    for (const status of ORDER_STATUSES) {
      expect(text).toContain(`"Meridian","OrdersByStatus","service","metrics-job","status","${status}"`);
    }
    for (const name of ["TableSizeBytes", "TableItemCount"]) {
      expect(text).toContain(`{Meridian,service,table} MetricName=\\"${name}\\" service=\\"metrics-job\\"`);
    }
    // Lambda, stream, queues, tables.
    for (const name of ["Errors", "Throttles", "Duration", "IteratorAge"]) {
      expect(text).toContain(`"AWS/Lambda","${name}"`);
    }
    expect(text.match(/"AWS\/SQS","ApproximateNumberOfMessagesVisible"/g)).toHaveLength(3);
    for (const name of ["ReadThrottleEvents", "WriteThrottleEvents"]) {
      expect(text.match(new RegExp(`"AWS/DynamoDB","${name}"`, "g"))).toHaveLength(4);
    }
    // The latest ERROR entries of the three functions' log groups.
    const logs = body.widgets.find((w) => w.type === "log");
    expect(logs?.properties.query).toContain("SOURCE 'TOKEN' | SOURCE 'TOKEN' | SOURCE 'TOKEN' | fields");
    expect(logs?.properties.query).toContain('filter level = "ERROR"');
  });

  it("charts the ALB's own metrics when the ALB is the front door", () => {
    const text = JSON.stringify(dashboardBody(stateless({ frontDoor: "alb" })));
    for (const name of [
      "RequestCount",
      "HTTPCode_Target_5XX_Count",
      "HTTPCode_ELB_5XX_Count",
      "HTTPCode_Target_4XX_Count",
      "TargetResponseTime",
    ]) {
      expect(text).toContain(`"AWS/ApplicationELB","${name}"`);
    }
    expect(text).not.toContain("AWS/ApiGateway");
  });
});

describe("metrics job schedule", () => {
  it("invokes the metrics job every 5 minutes by default, with retries and a dead-letter queue", () => {
    // Act
    const template = stateless();

    // Assess
    template.resourceCountIs("AWS::Events::Rule", 1);
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(5 minutes)",
      State: "ENABLED",
      Targets: [
        {
          Id: Match.anyValue(),
          Arn: matchGetAtt("MetricsJob", "Arn"),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 300 },
          DeadLetterConfig: { Arn: matchGetAtt("MetricsJobScheduleDlq", "Arn") },
        },
      ],
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: matchGetAtt("MetricsJob", "Arn"),
      Principal: "events.amazonaws.com",
      SourceArn: matchGetAtt("MetricsJobScheduleRule", "Arn"),
    });
    // Lambda's own retries of a failed run stop when the next run is due.
    template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
      FunctionName: matchRef("MetricsJob"),
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 300,
    });
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [matchRef("MetricsJobScheduleDlq")],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Allow",
            Action: "sqs:SendMessage",
            Principal: { Service: "events.amazonaws.com" },
            Condition: { ArnEquals: { "aws:SourceArn": matchGetAtt("MetricsJobScheduleRule", "Arn") } },
          }),
        ]),
      },
    });
  });

  it("follows the stage's period, and the job's interval with it", () => {
    const template = stateless({ metricsJobPeriodMinutes: 1 });
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: "rate(1 minute)",
      Targets: [Match.objectLike({ RetryPolicy: Match.objectLike({ MaximumEventAgeInSeconds: 60 }) })],
    });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ METRICS_INTERVAL_SECONDS: "60" }) },
    });
  });
});
