import { Duration, type RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import {
  AllowedMethods,
  CachePolicy,
  Function as CloudFrontFunction,
  Distribution,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  S3OriginAccessControl,
  Signing,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type IBucket,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { dashboardBucketName } from "../config/naming.ts";
import type { StageConfig } from "../config/stages.ts";
import { CDN_DEFAULTS, COMMON_BUCKET_ACKS } from "../images/product-images.ts";
import { contentSecurityPolicy, type DashboardCspSources } from "./content-security-policy.ts";
import { SPA_ROUTING_FUNCTION_SOURCE } from "./spa-routing.ts";

/** HSTS max-age: two years, what the preload list asks of a domain (and the common ceiling). */
export const HSTS_MAX_AGE = Duration.days(730);

/**
 * The origins of the API a page of this stage may call, as they are known in the stateful stack (which cannot
 * reference the API: see docs/decisions/0020-dashboard-hosting.md). With a custom domain that is exactly
 * `https://<domain>`. Without one, API Gateway's generated host `https://<api id>.execute-api.<region>.<suffix>`
 * is only known after the stateless stack, so the region's execute-api hosts are allowed. An ALB without a
 * domain answers plain HTTP, which an HTTPS page may not call anyway (mixed content): nothing is added.
 */
export function apiOriginsForCsp(stage: StageConfig, region: string, urlSuffix: string): string[] {
  if (stage.domain) return [`https://${stage.domain.name}`];
  return stage.frontDoor === "alb" ? [] : [`https://*.execute-api.${region}.${urlSuffix}`];
}

export interface DashboardHostingProps {
  stage: StageConfig;
  removalPolicy: RemovalPolicy;
  /** Where the bucket's server access logs and the distribution's standard logs go (the images' log bucket). */
  logBucket: IBucket;
  /** What the pages may load and call (the Content-Security-Policy). */
  csp: DashboardCspSources;
}

/**
 * Where the web dashboard is served from: a private bucket (Block Public Access, SSE-S3, TLS only, no
 * versioning: every deploy writes the whole build) read by a CloudFront distribution through origin access
 * control, HTTPS only (HTTP redirects), with a viewer-request function for the single-page app's routes
 * (spa-routing.ts) and a response headers policy (CSP, HSTS, frame options DENY, nosniff, referrer policy).
 * The files are written by the stateless stack (dashboard-deployment.ts), which knows the API's URL.
 */
export class DashboardHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  readonly headers: ResponseHeadersPolicy;
  readonly routing: CloudFrontFunction;
  /** `https://<distribution domain>`: the dashboard's origin (CORS, Cognito's callback and logout URLs). */
  readonly origin: string;
  /** `<origin>/app/`, where the dashboard starts. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardHostingProps) {
    super(scope, id);
    const { stage, removalPolicy, logBucket, csp } = props;
    const { account, region } = Stack.of(this);

    this.bucket = new Bucket(this, "Bucket", {
      // Fixed, so the stateless stack writes the files by name, without a reference (naming.ts).
      bucketName: dashboardBucketName(stage.name, account, region),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // SSE-S3: origin access control needs no KMS grant; the files are public once served.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: false,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // A deploy's sync that stops half-way leaves multipart parts behind, billed until aborted.
      lifecycleRules: [
        { id: "abort-incomplete-uploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      serverAccessLogsBucket: logBucket,
      serverAccessLogsPrefix: "s3/dashboard/",
      // RETAIN in prod, DESTROY elsewhere (empty it first: docs/deploy.md), like the images bucket.
      removalPolicy,
    });
    Validations.of(this.bucket).acknowledge(
      ...COMMON_BUCKET_ACKS,
      {
        id: "cdk-validator-cfnguard::s3_bucket_versioning_enabled_check",
        reason:
          "The bucket holds a build that every deploy writes whole from the repository (hashed file names, " +
          "pruned); the previous build is a redeploy of the previous commit, so versions would only cost.",
      },
      {
        id: "cdk-validator-cfnguard::s3_event_notifications_enabled_check",
        reason:
          "Nothing reacts to the dashboard's files: they change only when a deploy writes them, and the " +
          "deploy invalidates the CDN's copies of index.html and config.json itself.",
      },
    );

    this.routing = new CloudFrontFunction(this, "SpaRouting", {
      code: FunctionCode.fromInline(SPA_ROUTING_FUNCTION_SOURCE),
      runtime: FunctionRuntime.JS_2_0,
      comment: `Meridian ${stage.name}: dashboard routes to /app/index.html, / to /app/`,
    });

    this.headers = new ResponseHeadersPolicy(this, "Headers", {
      comment: `Meridian ${stage.name}: web dashboard security headers`,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(csp), override: true },
        // No preload: the list takes registrable domains, and *.cloudfront.net is not ours to submit.
        strictTransportSecurity: {
          accessControlMaxAge: HSTS_MAX_AGE,
          includeSubdomains: true,
          preload: false,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: true,
        },
      },
    });

    // Named per stage and region: names are unique per account, and every region of a stage has one.
    const oac = new S3OriginAccessControl(this, "OriginAccess", {
      originAccessControlName: `meridian-${stage.name}-web-${region}`,
      signing: Signing.SIGV4_ALWAYS,
      description: `Meridian ${stage.name}: CloudFront reads the web dashboard`,
    });
    this.distribution = new Distribution(this, "Cdn", {
      comment: `Meridian ${stage.name}: web dashboard`,
      defaultBehavior: {
        // Adds the bucket policy statement: s3:GetObject for this distribution only (AWS:SourceArn).
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket, { originAccessControl: oac }),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        // Honours the files' Cache-Control (a year for hashed assets, no-cache for index.html and
        // config.json, which a deploy also invalidates); no query string, cookie or header in the key.
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        functionAssociations: [{ function: this.routing, eventType: FunctionEventType.VIEWER_REQUEST }],
        compress: true,
      },
      ...CDN_DEFAULTS,
      enableLogging: true,
      logBucket,
      logFilePrefix: "cloudfront/dashboard/",
    });
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/app/`;

    const defaultDomain =
      "The dashboard answers on CloudFront's default *.cloudfront.net domain and certificate: the stage " +
      "config's domain is the API's (a regional certificate), and a dashboard domain would need its own " +
      "us-east-1 certificate and DNS, not built (docs/deploy.md).";
    Validations.of(this.distribution).acknowledge(
      { id: "cdk-validator-cfnguard::cloudfront_custom_ssl_certificate_check", reason: defaultDomain },
      { id: "cdk-validator-cfnguard::cloudfront_sni_enabled_check", reason: defaultDomain },
      { id: "cdk-validator-cfnguard::cloudfront_security_policy_check", reason: defaultDomain },
      {
        id: "cdk-validator-cfnguard::cloudfront_default_root_object_configured_check",
        reason:
          "The viewer-request function answers / with a redirect to /app/ before any origin is asked, and " +
          "serves every route under /app/ from /app/index.html; a root object would never be read.",
      },
      {
        id: "cdk-validator-cfnguard::cloudfront_origin_failover_enabled_check",
        reason:
          "One bucket holds the build and any deploy rewrites it; a failover origin would need a replicated " +
          "second bucket for a few hundred kilobytes that CloudFront caches (hashed assets for a year).",
      },
      {
        id: "AwsSolutions::AwsSolutions-CFR1",
        reason:
          "The dashboard is for customers wherever they are; there is no country it may not be shown in, and " +
          "what it shows is behind sign-in and the API's own checks.",
      },
      {
        id: "AwsSolutions::AwsSolutions-CFR2",
        reason:
          "The distribution serves a static build (no write, no personal data); a web ACL ($5/month plus " +
          "requests) would protect nothing the API's own front door and checks do not. Rate limits sit there.",
      },
      {
        id: "AwsSolutions::AwsSolutions-CFR4",
        reason:
          "The distribution uses CloudFront's default *.cloudfront.net certificate, whose security policy " +
          "CloudFront fixes (TLSv1); TLS_V1_2_2021 applies as soon as a custom domain and certificate are set.",
      },
    );
  }
}
