import {
  CORS_ALLOW_HEADERS,
  CORS_ALLOW_METHODS,
  CORS_EXPOSE_HEADERS,
  CORS_MAX_AGE_SECONDS,
} from "@meridian/core";
import { Duration } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  type CfnStage,
  CorsHttpMethod,
  DomainName,
  HttpApi,
  HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { Certificate } from "aws-cdk-lib/aws-certificatemanager";
import type { IMetric } from "aws-cdk-lib/aws-cloudwatch";
import { Construct } from "constructs";
import { removalPolicyOf } from "../config/naming.ts";
import { FRONT_DOOR_TIMEOUT } from "../config/timeouts.ts";
import { projectLogGroup } from "../constructs/log-group.ts";
import {
  accessLogFields,
  acknowledgeAppLevelAuth,
  type FrontDoor,
  type FrontDoorProps,
  type LatencyStatistic,
} from "./front-door.ts";

/**
 * The public route that needs no API key, throttled harder than the rest. API Gateway matches it on the path
 * it received, so `//`, `/x/%2e%2e/` or `HEAD /` reach `$default` instead, under the stage throttle only: the
 * app answers those 404 (any non-canonical path) and 405 (`HEAD /`) and records nothing, so this route is the
 * only way a visit is recorded. The throttle is one bucket for every caller: a per-client limit needs a WAF
 * web ACL, which an HTTP API cannot have (docs/operations.md, "Rate limits per front door").
 */
export const PUBLIC_ROOT_ROUTE = "GET /";

/**
 * API Gateway HTTP API (the default front door): a `$default` route and a `GET /` route to the function, the
 * stage's throttle on every route plus a stricter one on `GET /`, JSON access logs, CORS from the stage config
 * (answered by API Gateway, preflight and headers, so the function gets no origins: answersCorsItself).
 * Authentication is the app's (API keys, JWT), so routes carry no API Gateway authorizer.
 */
export class HttpApiFrontDoor extends Construct implements FrontDoor {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly url: string;
  readonly domainTarget?: string;

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);
    const { stage, region, handler } = props;
    const integration = new HttpLambdaIntegration("Handler", handler, { timeout: FRONT_DOOR_TIMEOUT });

    this.api = new HttpApi(this, "Api", {
      apiName: `meridian-${stage.name}`,
      description: `Meridian ${stage.name} (HTTP API)`,
      createDefaultStage: false,
      defaultIntegration: integration,
      corsPreflight:
        stage.corsOrigins.length > 0
          ? {
              allowOrigins: stage.corsOrigins,
              allowMethods: CORS_ALLOW_METHODS.map((method) => CorsHttpMethod[method]),
              allowHeaders: CORS_ALLOW_HEADERS,
              exposeHeaders: CORS_EXPOSE_HEADERS,
              maxAge: Duration.seconds(CORS_MAX_AGE_SECONDS),
            }
          : undefined,
    });
    acknowledgeAppLevelAuth(this.api);
    const rootRoutes = this.api.addRoutes({ path: "/", methods: [HttpMethod.GET], integration });

    const domain = stage.domain
      ? new DomainName(this, "Domain", {
          domainName: stage.domain.name,
          certificate: Certificate.fromCertificateArn(
            this,
            "Certificate",
            stage.domain.certificateArns[region] as string,
          ),
        })
      : undefined;

    const accessLogs = projectLogGroup(this, "AccessLogs", {
      retention: stage.logRetentionDays,
      removalPolicy: removalPolicyOf(stage),
    });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: stage.throttle.stage,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(accessLogFields("http-api"))),
      },
      domainMapping: domain ? { domainName: domain } : undefined,
    });
    // Route-level throttle: the L2 has no property for it, the CloudFormation stage does. The route must exist
    // before the stage names it, hence the dependency.
    const cfnStage = this.stage.node.defaultChild as CfnStage;
    cfnStage.routeSettings = {
      [PUBLIC_ROOT_ROUTE]: {
        ThrottlingRateLimit: stage.throttle.publicRoot.rateLimit,
        ThrottlingBurstLimit: stage.throttle.publicRoot.burstLimit,
      },
    };
    for (const route of rootRoutes) this.stage.node.addDependency(route);

    this.url = domain ? `https://${stage.domain?.name}/` : (this.stage.url as string);
    this.domainTarget = domain?.regionalDomainName;
  }

  /** AWS/ApiGateway `Count` by ApiId and Stage. */
  metricRequests(): IMetric {
    return this.stage.metricCount({ period: Duration.minutes(1), statistic: "Sum" });
  }

  /** AWS/ApiGateway `5xx` by ApiId and Stage. */
  metricServerErrors(): IMetric {
    return this.stage.metricServerError({ period: Duration.minutes(1), statistic: "Sum" });
  }

  /** AWS/ApiGateway `4xx` by ApiId and Stage (throttled requests, 429, count here too). */
  metricClientErrors(): IMetric {
    return this.stage.metricClientError({ period: Duration.minutes(1), statistic: "Sum" });
  }

  /** AWS/ApiGateway `Latency` by ApiId and Stage: from receiving the request to sending the response. */
  metricLatency(statistic: LatencyStatistic): IMetric {
    return this.stage.metricLatency({ period: Duration.minutes(1), statistic });
  }
}
