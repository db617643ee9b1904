import { Validations } from "aws-cdk-lib";
import type { IMetric } from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { Construct } from "constructs";
import type { StageConfig } from "../config/stages.ts";

/** Percentiles the dashboard and alarms read from a front door's latency. */
export type LatencyStatistic = "p50" | "p90" | "p99";

/** What the stateless stack needs from any front door: where it is, and the metrics it alarms on and charts. */
export interface FrontDoor {
  /** Base URL of the API (custom domain when configured). */
  readonly url: string;
  /** Where DNS must point for the stage's custom domain (CNAME or alias), when one is configured. */
  readonly domainTarget?: string;
  /** Requests received, summed per minute. */
  metricRequests(): IMetric;
  /** Count of 5xx responses, summed per minute. */
  metricServerErrors(): IMetric;
  /** Count of 4xx responses, summed per minute. */
  metricClientErrors(): IMetric;
  /** A percentile of the front door's latency, in milliseconds, per minute. */
  metricLatency(statistic: LatencyStatistic): IMetric;
}

export interface FrontDoorProps {
  stage: StageConfig;
  region: string;
  /** The one HTTP function; every route goes to it. */
  handler: IFunction;
}

/**
 * Whether the front door answers CORS itself. The HTTP API does (its `corsPreflight`: API Gateway answers
 * every preflight and sets the CORS headers of every answer, whatever the function sent), so its function
 * gets no origins: they would be dead configuration. The REST API and the ALB answer none (the REST API's
 * own preflight would answer OPTIONS only, never the headers of a real answer): their function gets the
 * origins (CORS_ALLOWED_ORIGINS) and the app answers CORS, preflight included, with the same methods,
 * headers and max-age (core's CORS_*).
 */
export function answersCorsItself(frontDoor: StageConfig["frontDoor"]): boolean {
  return frontDoor === "http-api";
}

/** One JSON line per request; field names follow API Gateway's $context variables. */
export function accessLogFields(kind: "http-api" | "rest-api"): Record<string, string> {
  const common = {
    requestId: "$context.requestId",
    ip: "$context.identity.sourceIp",
    requestTime: "$context.requestTime",
    httpMethod: "$context.httpMethod",
    path: "$context.path",
    status: "$context.status",
    protocol: "$context.protocol",
    responseLength: "$context.responseLength",
    integrationLatency: "$context.integrationLatency",
  };
  return kind === "http-api"
    ? { ...common, routeKey: "$context.routeKey", integrationError: "$context.integrationErrorMessage" }
    : { ...common, resourcePath: "$context.resourcePath", responseLatency: "$context.responseLatency" };
}

/**
 * Acknowledgements every API Gateway front door needs, with their reasons: authentication is the app's job
 * (one Hono app serves every front door, rule 1 of docs), and the invoke permissions are scoped by a SourceArn
 * that the Control Tower rule cannot read because it is built with Fn::Join.
 */
export function acknowledgeAppLevelAuth(api: Construct): void {
  const appAuth =
    "Authentication happens in the app for every front door alike: POST /epoch and GET /epochs need a valid " +
    "x-api-key (hashed lookup), GET / and /health are public by design. An API Gateway authorizer would duplicate it.";
  Validations.of(api).acknowledge(
    { id: "AwsSolutions::AwsSolutions-APIG4", reason: appAuth },
    { id: "AwsSolutions::AwsSolutions-COG4", reason: appAuth },
    { id: "cdk-validator-cfnguard::api_gw_v2_authorization_type_configured_check", reason: appAuth },
    {
      id: "cdk-validator-cfnguard::lambda_function_public_access_prohibited_check",
      reason:
        "Each invoke permission names apigateway.amazonaws.com with a SourceArn of this API's execute-api ARN; " +
        "the rule only recognises a literal or Ref SourceArn, and CDK builds it with Fn::Join.",
    },
  );
}
