import type { Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { type StageConfigInput, WAF_DEFAULTS } from "../src/config/stages.ts";
import { templatesFor } from "./helpers.ts";

const prod = { kind: "prod", removalPolicy: "retain", logRetentionDays: 365 } as const;

function only(template: Template, type: string): { id: string; props: Record<string, unknown> } {
  const resources = Object.entries(template.findResources(type));
  expect(resources, type).toHaveLength(1);
  const [id, resource] = resources[0] as [string, { Properties: Record<string, unknown> }];
  return { id, props: resource.Properties };
}

function logicalId(template: Template, type: string): string {
  return only(template, type).id;
}

/** The two rules a web ACL must hold for `waf`, exactly: GET / per IP first, then every request per IP. */
function expectedRules(
  stageName: string,
  waf: { windowSeconds: number; limitPerIp: number; publicRootLimitPerIp: number },
) {
  const visibility = (metricName: string) => ({
    CloudWatchMetricsEnabled: true,
    SampledRequestsEnabled: true,
    MetricName: metricName,
  });
  return [
    {
      Name: "public-root-per-ip",
      Priority: 0,
      Action: { Block: {} },
      Statement: {
        RateBasedStatement: {
          AggregateKeyType: "IP",
          Limit: waf.publicRootLimitPerIp,
          EvaluationWindowSec: waf.windowSeconds,
          ScopeDownStatement: {
            AndStatement: {
              Statements: [
                {
                  ByteMatchStatement: {
                    FieldToMatch: { Method: {} },
                    PositionalConstraint: "EXACTLY",
                    SearchString: "GET",
                    TextTransformations: [{ Priority: 0, Type: "NONE" }],
                  },
                },
                {
                  ByteMatchStatement: {
                    FieldToMatch: { UriPath: {} },
                    PositionalConstraint: "EXACTLY",
                    SearchString: "/",
                    TextTransformations: [
                      { Priority: 0, Type: "URL_DECODE" },
                      { Priority: 1, Type: "NORMALIZE_PATH" },
                    ],
                  },
                },
              ],
            },
          },
        },
      },
      VisibilityConfig: visibility(`meridian-${stageName}-public-root-per-ip`),
    },
    {
      Name: "all-requests-per-ip",
      Priority: 1,
      Action: { Block: {} },
      Statement: {
        RateBasedStatement: {
          AggregateKeyType: "IP",
          Limit: waf.limitPerIp,
          EvaluationWindowSec: waf.windowSeconds,
        },
      },
      VisibilityConfig: visibility(`meridian-${stageName}-all-requests-per-ip`),
    },
  ];
}

describe("WAF web ACL with per-IP rate limits", () => {
  it("gives prod's REST API a regional web ACL with its default limits, associated with the stage ARN", () => {
    // Act
    const template = templatesFor({ ...prod, frontDoor: "rest-api" }).stateless;

    // Assess
    const acl = only(template, "AWS::WAFv2::WebACL");
    expect(acl.props).toMatchObject({
      Name: "meridian-test",
      Scope: "REGIONAL",
      DefaultAction: { Allow: {} },
      VisibilityConfig: {
        CloudWatchMetricsEnabled: true,
        SampledRequestsEnabled: true,
        MetricName: "meridian-test",
      },
    });
    expect(acl.props.Rules).toEqual(expectedRules("test", WAF_DEFAULTS));
    const association = only(template, "AWS::WAFv2::WebACLAssociation").props;
    expect(association.WebACLArn).toEqual({ "Fn::GetAtt": [acl.id, "Arn"] });
    expect(association.ResourceArn).toEqual({
      "Fn::Join": [
        "",
        [
          "arn:aws:apigateway:eu-west-1::/restapis/",
          { Ref: logicalId(template, "AWS::ApiGateway::RestApi") },
          "/stages/",
          { Ref: logicalId(template, "AWS::ApiGateway::Stage") },
        ],
      ],
    });
  });

  it("gives prod's ALB the limits the stage config sets, associated with the load balancer", () => {
    // Arrange
    const waf = { windowSeconds: 60, limitPerIp: 1234, publicRootLimitPerIp: 56 } as const;

    // Act
    const template = templatesFor({ ...prod, frontDoor: "alb", waf }).stateless;

    // Assess
    const acl = only(template, "AWS::WAFv2::WebACL");
    expect(acl.props.Rules).toEqual(expectedRules("test", waf));
    expect(only(template, "AWS::WAFv2::WebACLAssociation").props).toEqual({
      ResourceArn: { Ref: logicalId(template, "AWS::ElasticLoadBalancingV2::LoadBalancer") },
      WebACLArn: { "Fn::GetAtt": [acl.id, "Arn"] },
    });
  });

  const withoutWaf: Array<[string, Partial<StageConfigInput>]> = [
    ["a dev REST API (off outside prod)", { frontDoor: "rest-api" }],
    ["a dev ALB", { frontDoor: "alb" }],
    [
      "prod's REST API with waf: { enabled: false }",
      { ...prod, frontDoor: "rest-api", waf: { enabled: false } },
    ],
    ["prod's HTTP API (it cannot have one)", { ...prod }],
  ];
  it.each(withoutWaf)("creates no web ACL for %s", (_name, overrides) => {
    const template = templatesFor(overrides).stateless;
    template.resourceCountIs("AWS::WAFv2::WebACL", 0);
    template.resourceCountIs("AWS::WAFv2::WebACLAssociation", 0);
  });

  it("turns it on for a dev ALB that asks for it, with the defaults for what it leaves out", () => {
    const template = templatesFor({ frontDoor: "alb", waf: { limitPerIp: 900 } }).stateless;
    expect(only(template, "AWS::WAFv2::WebACL").props.Rules).toEqual(
      expectedRules("test", { ...WAF_DEFAULTS, limitPerIp: 900 }),
    );
  });

  it("refuses a stage whose HTTP API front door asks for a web ACL", () => {
    expect(() => templatesFor({ ...prod, frontDoor: "http-api", waf: {} })).toThrow(
      /waf: the HTTP API front door cannot be associated with a WAF web ACL: use frontDoor 'rest-api' or 'alb'/,
    );
  });
});
