import { Topic } from "aws-cdk-lib/aws-sns";
import { describe, expect, it } from "vitest";
import type { StageConfigInput } from "../src/config/stages.ts";
import { synthStage, validate } from "./helpers.ts";

const prod = { kind: "prod", removalPolicy: "retain", logRetentionDays: 365 } as const;
const domain = {
  name: "api.example.com",
  certificateArns: { "eu-west-1": "arn:aws:acm:eu-west-1:123456789012:certificate/0000" },
};

describe("security gates (cdk-nag AwsSolutions + Control Tower rules via cfn-guard)", () => {
  const variants: Array<[string, Partial<StageConfigInput>]> = [
    ["dev, HTTP API", {}],
    ["prod, HTTP API with domain", { ...prod, domain }],
    ["dev, REST API", { frontDoor: "rest-api" }],
    ["prod, REST API", { ...prod, frontDoor: "rest-api" }],
    ["dev, ALB over HTTP", { frontDoor: "alb" }],
    ["prod, ALB with domain", { ...prod, frontDoor: "alb", domain }],
  ];

  it.each(variants)(
    "%s: no unacknowledged finding, every acknowledgement has a reason",
    (_name, overrides) => {
      // Act
      const { findings, acknowledged } = validate(synthStage(overrides).app);

      // Assess
      expect(findings).toEqual([]);
      for (const ack of acknowledged) expect(ack.reason.length, ack.rule).toBeGreaterThan(40);
    },
  );

  it("acknowledges the missing WAF (APIG3) only on a REST API stage without a web ACL", () => {
    const apig3 = (overrides: Partial<StageConfigInput>) =>
      validate(synthStage(overrides).app).acknowledged.filter((a) => a.rule.endsWith("APIG3"));

    // prod's REST API gets the web ACL by default: nothing left to acknowledge.
    expect(apig3({ ...prod, frontDoor: "rest-api" })).toEqual([]);
    const [off] = apig3({ frontDoor: "rest-api" });
    expect(off?.reason).toMatch(/turns the WAF web ACL off/);
  });

  it("acknowledges only the '*' resources AWS requires (X-Ray, ListStreams, GetMetricData) and the images bucket's key patterns, nothing else of IAM5", () => {
    // The images bucket's object keys carry ids: a key pattern per grant, each acknowledged as such.
    const bucket = "arn:aws:s3:::meridian-test-img-<AWS::AccountId>-eu-west-1";
    const keyPattern = (a: { rule: string }) =>
      a.rule.startsWith(`AwsSolutions::AwsSolutions-IAM5[Resource::${bucket}/`);
    // aws-cdk-lib's BucketDeployment handler (the web dashboard's files) has its own, asserted in web.test.ts.
    const deploymentHandler = (a: { reason: string }) =>
      a.reason.startsWith("aws-cdk-lib's BucketDeployment");
    // Tracing on: X-Ray on every function's role, plus the stream poller's ListStreams and the HTTP
    // function's GetMetricData.
    const traced = validate(synthStage({ tracing: true }).app).acknowledged.filter(
      (a) => a.rule.includes("IAM5") && !keyPattern(a) && !deploymentHandler(a),
    );
    expect(traced.length).toBeGreaterThanOrEqual(3);
    for (const ack of traced) {
      expect(ack.rule).toBe("AwsSolutions::AwsSolutions-IAM5[Resource::*]");
      expect(ack.reason).toMatch(/X-Ray/);
    }

    // Tracing off: only ListStreams and GetMetricData are left, besides the key patterns: the HTTP function's
    // uploads (PutObject) and products/* (DeleteObject), the processor's uploads (Get, Delete) and renditions
    // (Put, Delete).
    const all = validate(synthStage({ tracing: false }).app).acknowledged.filter(
      (a) => a.rule.includes("IAM5") && !deploymentHandler(a),
    );
    const untraced = all.filter((a) => !keyPattern(a));
    expect(untraced.map((a) => a.rule)).toEqual([
      "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
      "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
    ]);
    expect(untraced.map((a) => (a.reason.includes("ListStreams") ? "ListStreams" : a.reason)).sort()).toEqual(
      [
        "ListStreams",
        expect.stringMatching(/^cloudwatch:GetMetricData supports no resource-level permission/),
      ],
    );
    const patterns = all.filter(keyPattern);
    expect(
      patterns.map((a) => a.rule.slice(`AwsSolutions::AwsSolutions-IAM5[Resource::${bucket}`.length)).sort(),
    ).toEqual(
      ["/products/*/uploads/*]", "/products/*]", "/products/*/uploads/*]", "/products/*/images/*]"].sort(),
    );
    for (const ack of patterns) expect(ack.reason).toMatch(/key pattern of one bucket/);
  });

  it("fails synthesis on a finding nobody acknowledged", () => {
    // Arrange: a topic that accepts unencrypted publishes (AwsSolutions-SNS3).
    const { app, stateless } = synthStage({});
    new Topic(stateless, "Unreviewed");

    // Act
    const { findings } = validate(app);

    // Assess
    expect(findings).toEqual([expect.stringMatching(/^AwsSolutions-SNS3 at .*\/Unreviewed\/Resource$/)]);
  });
});
