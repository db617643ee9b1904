import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import type { StageConfigInput } from "../src/config/stages.ts";
import { templatesFor } from "./helpers.ts";

const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0000";
const throttle = { stage: { rateLimit: 300, burstLimit: 150 }, publicRoot: { rateLimit: 7, burstLimit: 9 } };

function stateless(overrides: Partial<StageConfigInput>) {
  const template = templatesFor({ throttle, ...overrides }).stateless;
  const [functionId] = Object.keys(template.findResources("AWS::Lambda::Function"));
  if (!functionId) throw new Error("no function");
  return { template, functionArn: { "Fn::GetAtt": [functionId, "Arn"] } };
}

/** `https://<the dashboard CDN's domain>`, read across the stacks. */
const DASHBOARD_ORIGIN = {
  "Fn::Join": [
    "",
    [
      "https://",
      {
        "Fn::GetStackOutput": Match.objectLike({
          OutputName: Match.stringLikeRegexp("^PublishOutputFnGetAttDashboardCdn.*DomainName"),
        }),
      },
    ],
  ],
};

describe("front door: HTTP API (default)", () => {
  it("routes $default and GET / to the function, throttles the stage and GET / more strictly", () => {
    // Act
    const { template, functionArn } = stateless({ corsOrigins: ["https://app.example.com"] });

    // Assess
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      ProtocolType: "HTTP",
      CorsConfiguration: {
        // The stage's origins, then the web dashboard's (its CDN, in the stateful stack).
        AllowOrigins: ["https://app.example.com", DASHBOARD_ORIGIN],
        AllowMethods: ["GET", "POST", "PATCH", "OPTIONS"],
        AllowHeaders: Match.arrayWith(["x-api-key", "idempotency-key"]),
      },
    });
    template.resourceCountIs("AWS::ApiGatewayV2::Integration", 1);
    template.hasResourceProperties("AWS::ApiGatewayV2::Integration", {
      IntegrationType: "AWS_PROXY",
      IntegrationUri: functionArn,
      PayloadFormatVersion: "2.0",
    });
    for (const routeKey of ["$default", "GET /"]) {
      template.hasResourceProperties("AWS::ApiGatewayV2::Route", {
        RouteKey: routeKey,
        Target: Match.objectLike({ "Fn::Join": Match.anyValue() }),
      });
    }
    template.hasResource("AWS::ApiGatewayV2::Stage", {
      Properties: {
        StageName: "$default",
        AutoDeploy: true,
        DefaultRouteSettings: { ThrottlingRateLimit: 300, ThrottlingBurstLimit: 150 },
        RouteSettings: { "GET /": { ThrottlingRateLimit: 7, ThrottlingBurstLimit: 9 } },
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("requestId") },
      },
      DependsOn: Match.arrayWith([Match.stringLikeRegexp("GET")]),
    });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: functionArn,
      Principal: "apigateway.amazonaws.com",
    });
  });

  it("allows the web dashboard's origin only when the stage lists no origins", () => {
    const { template } = stateless({ corsOrigins: [] });
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: Match.objectLike({ AllowOrigins: [DASHBOARD_ORIGIN] }),
    });
  });

  it("maps a custom domain with the region's certificate", () => {
    const { template } = stateless({
      domain: { name: "api.example.com", certificateArns: { "eu-west-1": CERT } },
    });
    template.hasResourceProperties("AWS::ApiGatewayV2::DomainName", {
      DomainName: "api.example.com",
      DomainNameConfigurations: [Match.objectLike({ CertificateArn: CERT, EndpointType: "REGIONAL" })],
    });
    template.resourceCountIs("AWS::ApiGatewayV2::ApiMapping", 1);
  });
});

/** The HTTP function's environment variables. */
function httpFunctionVariables(template: ReturnType<typeof stateless>["template"]): Record<string, unknown> {
  const [http] = Object.values(
    template.findResources("AWS::Lambda::Function", {
      Properties: { Description: Match.stringLikeRegexp("the HTTP API \\(all routes\\)") },
    }),
  ) as { Properties: { Environment: { Variables: Record<string, unknown> } } }[];
  if (!http) throw new Error("no HTTP function");
  return http.Properties.Environment.Variables;
}

/** CORS_ALLOWED_ORIGINS as the stateless stack writes it: the stage's origins, then the dashboard's. */
const ORIGINS_VARIABLE = {
  "Fn::Join": [
    "",
    [
      "https://app.example.com,http://localhost:3000,https://",
      {
        "Fn::GetStackOutput": Match.objectLike({
          OutputName: Match.stringLikeRegexp("DashboardCdn.*DomainName"),
        }),
      },
    ],
  ],
};

describe("who answers CORS", () => {
  const corsOrigins = ["https://app.example.com", "http://localhost:3000"];

  it("behind the HTTP API: API Gateway, so the function gets no origins", () => {
    const { template } = stateless({ corsOrigins });
    expect(httpFunctionVariables(template)).not.toHaveProperty("CORS_ALLOWED_ORIGINS");
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: Match.objectLike({ MaxAge: 3600 }),
    });
  });

  it("behind the REST API: the app, given the stage's and the dashboard's origins; API Gateway has no OPTIONS method", () => {
    // Act
    const { template } = stateless({ frontDoor: "rest-api", corsOrigins });

    // Assess
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("the HTTP API \\(all routes\\)"),
      Environment: { Variables: Match.objectLike({ CORS_ALLOWED_ORIGINS: ORIGINS_VARIABLE }) },
    });
    // OPTIONS reaches the function through ANY: no mock integration answers a preflight first.
    expect(
      Object.keys(
        template.findResources("AWS::ApiGateway::Method", { Properties: { HttpMethod: "OPTIONS" } }),
      ),
    ).toEqual([]);
  });

  it("behind the ALB: the app, given the stage's and the dashboard's origins", () => {
    const { template } = stateless({ frontDoor: "alb", corsOrigins });
    template.hasResourceProperties("AWS::Lambda::Function", {
      Description: Match.stringLikeRegexp("the HTTP API \\(all routes\\)"),
      Environment: { Variables: Match.objectLike({ CORS_ALLOWED_ORIGINS: ORIGINS_VARIABLE }) },
    });
  });

  it("behind the REST API with no stage origins: the dashboard's alone", () => {
    const { template } = stateless({ frontDoor: "rest-api", corsOrigins: [] });
    expect(httpFunctionVariables(template).CORS_ALLOWED_ORIGINS).toEqual({
      "Fn::Join": ["", ["https://", expect.objectContaining({ "Fn::GetStackOutput": expect.anything() })]],
    });
  });
});

describe("front door: REST API", () => {
  it("proxies every path to the function with HEADER API keys, a usage plan and a GET / method throttle", () => {
    // Act
    const { template, functionArn } = stateless({ frontDoor: "rest-api", tracing: true });

    // Assess
    template.hasResourceProperties("AWS::ApiGateway::RestApi", {
      ApiKeySourceType: "HEADER",
      EndpointConfiguration: { Types: ["REGIONAL"] },
    });
    template.hasResourceProperties("AWS::ApiGateway::Resource", { PathPart: "{proxy+}" });
    const methods = Object.values(template.findResources("AWS::ApiGateway::Method")).map(
      (m) =>
        (m as { Properties: { HttpMethod: string; Integration?: { Type: string; Uri: unknown } } })
          .Properties,
    );
    const proxied = methods.filter((m) => m.Integration?.Type === "AWS_PROXY");
    expect(proxied.map((m) => m.HttpMethod).sort()).toEqual(["ANY", "ANY", "GET"]);
    for (const m of proxied)
      expect(JSON.stringify(m.Integration?.Uri)).toContain(JSON.stringify(functionArn));
    template.hasResourceProperties("AWS::ApiGateway::Stage", {
      TracingEnabled: true,
      AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          HttpMethod: "*",
          ResourcePath: "/*",
          ThrottlingRateLimit: 300,
          ThrottlingBurstLimit: 150,
        }),
        Match.objectLike({
          HttpMethod: "GET",
          ResourcePath: "/",
          ThrottlingRateLimit: 7,
          ThrottlingBurstLimit: 9,
        }),
      ]),
    });
    template.hasResourceProperties("AWS::ApiGateway::UsagePlan", {
      Throttle: { RateLimit: 300, BurstLimit: 150 },
      ApiStages: [Match.objectLike({ ApiId: Match.anyValue(), Stage: Match.anyValue() })],
    });
    // The app checks x-api-key itself; no method requires an API Gateway managed key.
    for (const m of methods) expect(m).not.toMatchObject({ ApiKeyRequired: true });
  });
});

describe("front door: Application Load Balancer", () => {
  it("targets the function from an internet-facing ALB in a VPC without NAT gateways", () => {
    // Act
    const { template, functionArn } = stateless({ frontDoor: "alb" });

    // Assess
    template.resourceCountIs("AWS::EC2::NatGateway", 0);
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
      Scheme: "internet-facing",
      LoadBalancerAttributes: Match.arrayWith([{ Key: "access_logs.s3.enabled", Value: "true" }]),
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::LoadBalancer", {
      LoadBalancerAttributes: Match.arrayWith([
        { Key: "routing.http.drop_invalid_header_fields.enabled", Value: "true" },
      ]),
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::TargetGroup", {
      TargetType: "lambda",
      Targets: [{ Id: functionArn }],
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", { Port: 80, Protocol: "HTTP" });
    template.hasResourceProperties("AWS::Lambda::Permission", {
      FunctionName: functionArn,
      Principal: "elasticloadbalancing.amazonaws.com",
    });
  });

  it("serves HTTPS with the certificate and redirects HTTP when the stage has a domain", () => {
    const { template } = stateless({
      frontDoor: "alb",
      domain: { name: "api.example.com", certificateArns: { "eu-west-1": CERT } },
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 443,
      Protocol: "HTTPS",
      Certificates: [{ CertificateArn: CERT }],
    });
    template.hasResourceProperties("AWS::ElasticLoadBalancingV2::Listener", {
      Port: 80,
      DefaultActions: [
        Match.objectLike({ Type: "redirect", RedirectConfig: Match.objectLike({ Protocol: "HTTPS" }) }),
      ],
    });
  });
});
