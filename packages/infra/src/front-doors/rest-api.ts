import { Duration, Validations } from "aws-cdk-lib";
import {
  AccessLogFormat,
  ApiKeySourceType,
  EndpointType,
  LambdaRestApi,
  LogGroupLogDestination,
  MethodLoggingLevel,
  SecurityPolicy,
  type UsagePlan,
} from "aws-cdk-lib/aws-apigateway";
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
import { RateLimitWebAcl } from "./waf.ts";

/**
 * API Gateway REST API: `ANY /` and `ANY /{proxy+}` to the function (what `proxy: true` builds), plus an explicit
 * `GET /` so that route can get its own, stricter method throttle. Stage throttling covers everything; a usage
 * plan with API key source HEADER lets operators hand out API Gateway managed keys to clients who want per-key
 * quotas. No method requires such a key: the app authenticates `x-api-key` itself. `HEAD /` and other spellings
 * of the root (`//`, `/%2e`) reach `ANY /` or `{proxy+}`, without the `GET /` method throttle: the app answers
 * them 405 and 404 and records nothing, so only the throttled `GET /` records a visit. Those throttles are one
 * bucket for all callers; the stage's `waf` adds per-IP limits with a web ACL on the stage (waf.ts). No CORS
 * of its own: `OPTIONS` reaches the function like any method, and the app answers CORS, preflight and the
 * headers of every answer, for the origins the stateless stack gives the function (answersCorsItself). One
 * answerer: API Gateway's preflight (`defaultCorsPreflightOptions`) would add an `OPTIONS` mock on every
 * resource that can only answer the preflight, never the headers of a real answer or an error.
 */
export class RestApiFrontDoor extends Construct implements FrontDoor {
  readonly api: LambdaRestApi;
  readonly usagePlan: UsagePlan;
  /** The per-IP rate limits, when the stage has `waf`. */
  readonly webAcl?: RateLimitWebAcl;
  readonly url: string;
  readonly domainTarget?: string;

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);
    const { stage, region, handler } = props;
    const accessLogs = projectLogGroup(this, "AccessLogs", {
      retention: stage.logRetentionDays,
      removalPolicy: removalPolicyOf(stage),
    });

    this.api = new LambdaRestApi(this, "Api", {
      handler,
      integrationOptions: { timeout: FRONT_DOOR_TIMEOUT },
      proxy: false,
      restApiName: `meridian-${stage.name}`,
      description: `Meridian ${stage.name} (REST API)`,
      endpointTypes: [EndpointType.REGIONAL],
      apiKeySourceType: ApiKeySourceType.HEADER,
      // Execution logs (ERROR level) need the account-wide API Gateway CloudWatch role; CDK manages it here.
      cloudWatchRole: true,
      deployOptions: {
        stageName: "api",
        throttlingRateLimit: stage.throttle.stage.rateLimit,
        throttlingBurstLimit: stage.throttle.stage.burstLimit,
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: false,
        tracingEnabled: stage.tracing,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(accessLogFields("rest-api"))),
        // "//GET" is GET on the root resource "/": the public route gets a stricter method throttle.
        methodOptions: {
          "//GET": {
            throttlingRateLimit: stage.throttle.publicRoot.rateLimit,
            throttlingBurstLimit: stage.throttle.publicRoot.burstLimit,
            loggingLevel: MethodLoggingLevel.ERROR,
          },
        },
      },
      domainName: stage.domain
        ? {
            domainName: stage.domain.name,
            certificate: Certificate.fromCertificateArn(
              this,
              "Certificate",
              stage.domain.certificateArns[region] as string,
            ),
            endpointType: EndpointType.REGIONAL,
            securityPolicy: SecurityPolicy.TLS_1_2,
          }
        : undefined,
    });
    acknowledgeAppLevelAuth(this.api);
    this.api.root.addMethod("ANY");
    this.api.root.addMethod("GET");
    this.api.root.addProxy({ anyMethod: true });

    Validations.of(this.api).acknowledge({
      id: "AwsSolutions::AwsSolutions-APIG2",
      reason:
        "A proxy API has no request models; the app validates every body, query and header with schemas once, " +
        "for all front doors alike.",
    });
    if (this.api.node.tryFindChild("CloudWatchRole")) {
      Validations.of(this.api.node.findChild("CloudWatchRole")).acknowledge({
        id: "AwsSolutions::AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
        reason:
          "API Gateway's account-wide logging role; AWS's service-role policy is the documented way to grant it " +
          "and allows nothing beyond writing API Gateway's own log groups.",
      });
    }
    if (!stage.tracing) {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: "cdk-validator-cfnguard::api_gw_xray_enabled_check",
        reason:
          "X-Ray is off in this stage by its config: tracing stays off outside production until its overhead is " +
          "measured under 15% (config/stages.ts); set `tracing: true` on the stage to trace it.",
      });
    }
    if (stage.waf) {
      this.webAcl = new RateLimitWebAcl(this, "Waf", {
        stageName: stage.name,
        waf: stage.waf,
        resourceArn: this.api.deploymentStage.stageArn,
      });
    } else {
      Validations.of(this.api.deploymentStage).acknowledge({
        id: "AwsSolutions::AwsSolutions-APIG3",
        reason:
          "This stage turns the WAF web ACL off (`waf` in the stage config; on by default in prod only): stage, " +
          "method and usage-plan throttles cap the rate for all callers together; a web ACL would cost $5/month " +
          "plus $1 per rule and $0.60 per million requests per region.",
      });
    }

    this.usagePlan = this.api.addUsagePlan("UsagePlan", {
      name: `meridian-${stage.name}`,
      description: "Attach API Gateway managed keys here for per-client throttles and quotas",
      throttle: stage.throttle.stage,
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });

    this.url = stage.domain ? `https://${stage.domain.name}/` : this.api.url;
    this.domainTarget = this.api.domainName?.domainNameAliasDomainName;
  }

  // The stage's metrics carry ApiName and Stage, so two stages of one API name never mix.

  /** AWS/ApiGateway `Count` by ApiName and Stage. */
  metricRequests(): IMetric {
    return this.api.deploymentStage.metricCount({ period: Duration.minutes(1), statistic: "Sum" });
  }

  /** AWS/ApiGateway `5XXError` by ApiName and Stage. */
  metricServerErrors(): IMetric {
    return this.api.deploymentStage.metricServerError({ period: Duration.minutes(1), statistic: "Sum" });
  }

  /** AWS/ApiGateway `4XXError` by ApiName and Stage. */
  metricClientErrors(): IMetric {
    return this.api.deploymentStage.metricClientError({ period: Duration.minutes(1), statistic: "Sum" });
  }

  /** AWS/ApiGateway `Latency` by ApiName and Stage. */
  metricLatency(statistic: LatencyStatistic): IMetric {
    return this.api.deploymentStage.metricLatency({ period: Duration.minutes(1), statistic });
  }
}
