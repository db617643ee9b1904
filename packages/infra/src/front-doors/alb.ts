import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { type IMetric, MathExpression } from "aws-cdk-lib/aws-cloudwatch";
import { FlowLogDestination, SubnetType, Vpc } from "aws-cdk-lib/aws-ec2";
import {
  ApplicationLoadBalancer,
  ApplicationProtocol,
  HttpCodeElb,
  HttpCodeTarget,
  ListenerAction,
  ListenerCertificate,
  SslPolicy,
} from "aws-cdk-lib/aws-elasticloadbalancingv2";
import { LambdaTarget } from "aws-cdk-lib/aws-elasticloadbalancingv2-targets";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import type { FrontDoor, FrontDoorProps, LatencyStatistic } from "./front-door.ts";
import { RateLimitWebAcl } from "./waf.ts";

const SUM_PER_MINUTE = { period: Duration.minutes(1), statistic: "Sum" } as const;

/**
 * Application Load Balancer with the function as its Lambda target. The VPC has public subnets only: the
 * function does not run in it, so no NAT gateway (the largest fixed cost of a VPC) is needed. HTTPS with the
 * stage's certificate when a domain is configured (port 80 then redirects), plain HTTP otherwise. An ALB has no
 * request throttling and no CORS handling of its own: reserved concurrency caps the function, the stage's
 * `waf` adds a web ACL with per-IP rate limits (waf.ts), and the app answers CORS for the origins the
 * stateless stack gives the function (answersCorsItself).
 */
export class AlbFrontDoor extends Construct implements FrontDoor {
  readonly vpc: Vpc;
  readonly loadBalancer: ApplicationLoadBalancer;
  /** The per-IP rate limits, when the stage has `waf`. */
  readonly webAcl?: RateLimitWebAcl;
  readonly url: string;
  readonly domainTarget?: string;

  constructor(scope: Construct, id: string, props: FrontDoorProps) {
    super(scope, id);
    const { stage, region, handler } = props;

    // Kept even in dev: CloudFormation cannot delete a non-empty bucket without a custom resource, and the
    // lifecycle rule empties it anyway.
    const logs = new Bucket(this, "AccessLogs", {
      encryption: BucketEncryption.S3_MANAGED, // ALB access logs support SSE-S3 only
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Versioned so a log cannot be silently overwritten; old versions and delete markers expire with the logs.
      versioned: true,
      lifecycleRules: [
        {
          expiration: Duration.days(stage.logRetentionDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        { expiredObjectDeleteMarker: true },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logBucketReason = "This bucket only receives ALB access logs and VPC flow logs";
    Validations.of(logs).acknowledge(
      {
        id: "AwsSolutions::AwsSolutions-S1",
        reason: `${logBucketReason}; logging access to the log bucket itself would recurse.`,
      },
      {
        id: "cdk-validator-cfnguard::s3_bucket_logging_enabled_check",
        reason: `${logBucketReason}; logging access to the log bucket itself would recurse.`,
      },
      {
        id: "cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check",
        reason: "ALB access logs can only be delivered to buckets encrypted with SSE-S3, not SSE-KMS.",
      },
      {
        id: "cdk-validator-cfnguard::s3_event_notifications_enabled_check",
        reason: `${logBucketReason}; nothing reacts to new log objects.`,
      },
      {
        id: "cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check",
        reason: `${logBucketReason}; they must expire with the stage's log retention, which Object Lock would block.`,
      },
    );

    this.vpc = new Vpc(this, "Vpc", {
      maxAzs: 2,
      natGateways: 0,
      // The load balancer gets its own addresses; nothing else runs here, so no instance gets a public IP.
      subnetConfiguration: [
        { name: "public", subnetType: SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
      ],
      restrictDefaultSecurityGroup: false,
      flowLogs: { S3: { destination: FlowLogDestination.toS3(logs, "vpc-flow-logs/") } },
    });

    this.loadBalancer = new ApplicationLoadBalancer(this, "LoadBalancer", {
      vpc: this.vpc,
      internetFacing: true,
      dropInvalidHeaderFields: true,
      deletionProtection: stage.kind === "prod",
    });
    if (stage.kind !== "prod") {
      Validations.of(this.loadBalancer).acknowledge({
        id: "cdk-validator-cfnguard::elbv2_deletion_protection_enabled_check",
        reason:
          "Only prod load balancers have deletion protection; other stages are torn down with `npm run destroy`, " +
          "which deletion protection would block.",
      });
    }
    this.loadBalancer.logAccessLogs(logs, "alb");
    if (stage.waf) {
      this.webAcl = new RateLimitWebAcl(this, "Waf", {
        stageName: stage.name,
        waf: stage.waf,
        resourceArn: this.loadBalancer.loadBalancerArn,
      });
    }
    for (const sg of this.loadBalancer.connections.securityGroups) {
      Validations.of(sg).acknowledge({
        id: "AwsSolutions::AwsSolutions-EC23",
        reason: "An internet-facing load balancer accepts its listener port from any address by design.",
      });
    }

    const certificateArn = stage.domain?.certificateArns[region];
    const listener = certificateArn
      ? this.loadBalancer.addListener("Https", {
          port: 443,
          protocol: ApplicationProtocol.HTTPS,
          certificates: [ListenerCertificate.fromArn(certificateArn)],
          sslPolicy: SslPolicy.RECOMMENDED_TLS,
        })
      : this.loadBalancer.addListener("Http", { port: 80, protocol: ApplicationProtocol.HTTP });
    if (certificateArn) {
      this.loadBalancer.addListener("HttpRedirect", {
        port: 80,
        protocol: ApplicationProtocol.HTTP,
        defaultAction: ListenerAction.redirect({ protocol: "HTTPS", port: "443", permanent: true }),
      });
    }
    if (!certificateArn) {
      Validations.of(listener).acknowledge({
        id: "cdk-validator-cfnguard::alb_http_to_https_redirection_check",
        reason:
          "This stage has no custom domain, so there is no certificate to serve HTTPS with (ACM cannot issue one " +
          "for the elb.amazonaws.com name). Set `domain` in the stage config to get HTTPS and the redirect.",
      });
    }
    // Health checks of a Lambda target are invocations (and cost); they stay off, as is the default.
    listener.addTargets("Function", { targets: [new LambdaTarget(handler)] });
    Validations.of(handler).acknowledge({
      id: "cdk-validator-cfnguard::lambda_function_public_access_prohibited_check",
      reason:
        "The invoke permission names elasticloadbalancing.amazonaws.com with this target group as SourceArn; " +
        "the rule does not recognise a target group reference as a SourceArn.",
    });

    const host = stage.domain?.name ?? this.loadBalancer.loadBalancerDnsName;
    this.url = `${certificateArn ? "https" : "http"}://${host}/`;
    this.domainTarget = stage.domain ? this.loadBalancer.loadBalancerDnsName : undefined;
  }

  /** AWS/ApplicationELB `RequestCount` by LoadBalancer. */
  metricRequests(): IMetric {
    return this.loadBalancer.metrics.requestCount({ period: Duration.minutes(1), statistic: "Sum" });
  }

  /**
   * AWS/ApplicationELB `HTTPCode_Target_5XX_Count` (the function answered 5xx or failed) plus
   * `HTTPCode_ELB_5XX_Count` (the load balancer answered 5xx itself, e.g. 502 on an invalid Lambda response) by
   * LoadBalancer. The ALB publishes these only when they are non-zero, hence FILL.
   */
  metricServerErrors(): IMetric {
    return this.sumOf("5xx (targets + load balancer)", {
      target: this.loadBalancer.metrics.httpCodeTarget(HttpCodeTarget.TARGET_5XX_COUNT, SUM_PER_MINUTE),
      elb: this.loadBalancer.metrics.httpCodeElb(HttpCodeElb.ELB_5XX_COUNT, SUM_PER_MINUTE),
    });
  }

  /** `HTTPCode_Target_4XX_Count` plus `HTTPCode_ELB_4XX_Count` by LoadBalancer. */
  metricClientErrors(): IMetric {
    return this.sumOf("4xx (targets + load balancer)", {
      target: this.loadBalancer.metrics.httpCodeTarget(HttpCodeTarget.TARGET_4XX_COUNT, SUM_PER_MINUTE),
      elb: this.loadBalancer.metrics.httpCodeElb(HttpCodeElb.ELB_4XX_COUNT, SUM_PER_MINUTE),
    });
  }

  /** `TargetResponseTime` (seconds) by LoadBalancer, in milliseconds. */
  metricLatency(statistic: LatencyStatistic): IMetric {
    return new MathExpression({
      label: `${statistic} target response time (ms)`,
      // One id per statistic, so p50 and p99 can share a graph.
      expression: `${statistic}_seconds * 1000`,
      period: Duration.minutes(1),
      usingMetrics: {
        [`${statistic}_seconds`]: this.loadBalancer.metrics.targetResponseTime({
          period: Duration.minutes(1),
          statistic,
        }),
      },
    });
  }

  private sumOf(label: string, usingMetrics: { target: IMetric; elb: IMetric }): IMetric {
    return new MathExpression({
      label,
      expression: "FILL(target, 0) + FILL(elb, 0)",
      period: Duration.minutes(1),
      usingMetrics,
    });
  }
}
