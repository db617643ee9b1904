import { UPLOAD_TAG } from "@meridian/adapters";
import { Duration, Lazy, type RemovalPolicy, Stack, Validations } from "aws-cdk-lib";
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  S3OriginAccessControl,
  Signing,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import { PolicyStatement, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
} from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { imagesBucketName } from "../config/naming.ts";
import type { StageConfig } from "../config/stages.ts";

/**
 * The keys of the images bucket (packages/core/src/images): `products/<id>/uploads/<imageId>` is where a
 * browser's presigned POST puts an upload, `products/<id>/images/<imageId>/<rendition>` where the image
 * processor writes what the CDN serves. IAM and the bucket policy grant on these patterns.
 */
export const IMAGE_KEYS = {
  uploads: "products/*/uploads/*",
  renditions: "products/*/images/*",
  /** What the HTTP function may list (DELETE looks for an image's objects) and delete. */
  products: "products/*",
} as const;

/** The tag the presigned POST puts on every upload, which the lifecycle rule expires after a day. */
export const STALE_UPLOAD_TAG = UPLOAD_TAG;

/**
 * Control Tower rules the project's private buckets (images, their logs, the web dashboard) meet otherwise, with
 * why not these.
 */
export const COMMON_BUCKET_ACKS = [
  {
    id: "cdk-validator-cfnguard::s3_bucket_default_encryption_kms_check",
    reason:
      "SSE-S3 encrypts at rest with no key to manage; with SSE-KMS, CloudFront's origin access control and " +
      "log delivery would need key policy grants, and every read would cost a KMS request, for public images.",
  },
  {
    id: "cdk-validator-cfnguard::s3_bucket_object_lock_enabled_check",
    reason:
      "Objects must be deletable at once: a refused upload and a deleted image's renditions are removed by " +
      "the code, and logs expire with the stage's retention; object lock would forbid both.",
  },
];

/**
 * The CDN settings every distribution of the project shares (images, web dashboard): HTTP/2 and HTTP/3, and the
 * cheapest price class (North America and Europe edges; viewers elsewhere are served from the nearest of those).
 */
export const CDN_DEFAULTS = {
  httpVersion: HttpVersion.HTTP2_AND_3,
  priceClass: PriceClass.PRICE_CLASS_100,
} as const;

export interface ProductImagesProps {
  stage: StageConfig;
  removalPolicy: RemovalPolicy;
}

/**
 * Product images' storage and CDN: a private bucket (Block Public Access, SSE-S3, TLS only, no versioning,
 * browser POSTs from the stage's `corsOrigins` and the web dashboard only), a CloudFront distribution reading
 * only the renditions through origin access control, and a log bucket for both. They live in the stateful stack: the bucket holds
 * the images, and every READY image's record stores its renditions' URLs, which start with the
 * distribution's domain, so a replaced distribution would break them all.
 */
export class ProductImages extends Construct {
  readonly bucket: Bucket;
  readonly logBucket: Bucket;
  readonly distribution: Distribution;
  /** `https://<distribution domain>`: the image processor's IMAGES_PUBLIC_URL. */
  readonly publicUrl: string;
  /**
   * The origin browsers POST uploads to: the presigned POST's URL (`https://<bucket>.s3.<region>.amazonaws.com`,
   * the SDK's virtual-hosted regional endpoint), from the bucket's fixed name, so a page's CSP can name it
   * without a reference to the bucket.
   */
  readonly uploadOrigin: string;
  /** The browser origins whose pages may POST uploads (CORS); the stage's `corsOrigins`, then allowUploadsFrom. */
  readonly #uploadOrigins: string[];

  constructor(scope: Construct, id: string, props: ProductImagesProps) {
    super(scope, id);
    const { stage, removalPolicy } = props;

    // Server access logs of the images bucket and CloudFront's standard logs. CloudFront's standard logging
    // writes with an ACL (awslogsdelivery), so this bucket keeps ACLs enabled (BUCKET_OWNER_PREFERRED); S3's
    // server access logs are allowed by its bucket policy. Kept as long as the stage keeps function logs.
    this.logBucket = new Bucket(this, "Logs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: "expire-logs", expiration: Duration.days(stage.logRetentionDays) }],
      removalPolicy,
    });
    Validations.of(this.logBucket).acknowledge(
      {
        id: "AwsSolutions::AwsSolutions-S1",
        reason:
          "This is the access log bucket of the images bucket and the CDN: logging its own accesses into " +
          "itself would log forever, and a second log bucket would only move the question.",
      },
      {
        id: "cdk-validator-cfnguard::s3_bucket_logging_enabled_check",
        reason:
          "This bucket is the access log destination itself; S3 cannot log a bucket's accesses into that " +
          "bucket without logging the log deliveries too.",
      },
      ...COMMON_BUCKET_ACKS,
      {
        id: "cdk-validator-cfnguard::s3_bucket_versioning_enabled_check",
        reason:
          "Log objects are written once and expire with the stage's log retention; versions would only keep " +
          "expired logs longer.",
      },
      {
        id: "cdk-validator-cfnguard::s3_event_notifications_enabled_check",
        reason:
          "Nothing reacts to a log delivery; logs are read when someone investigates (docs/operations.md).",
      },
    );

    const { account, partition, region, urlSuffix } = Stack.of(this);
    this.#uploadOrigins = stage.corsOrigins.map((origin) => origin.replace(/\/$/, ""));
    const bucketName = imagesBucketName(stage.name, account, region);
    this.uploadOrigin = `https://${bucketName}.s3.${region}.${urlSuffix}`;
    this.bucket = new Bucket(this, "Bucket", {
      bucketName,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // SSE-S3: the CDN (OAC) and the presigned POST need no KMS grants; the images are public once served.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // An image is replaced by a new upload under a new id, never overwritten: versions would only cost.
      versioned: false,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // The dashboard's browser POSTs the upload form straight to the bucket; nothing else crosses origins.
      // The rule is added below, its origins read at synthesis: allowUploadsFrom adds the web dashboard's.
      lifecycleRules: [
        {
          id: "stale-uploads",
          // An upload is deleted by the processor once handled; one still here after a day failed.
          prefix: "products/",
          tagFilters: { [STALE_UPLOAD_TAG.key]: STALE_UPLOAD_TAG.value },
          expiration: Duration.days(1),
        },
      ],
      serverAccessLogsBucket: this.logBucket,
      serverAccessLogsPrefix: "s3/images/",
      // RETAIN in prod: the images outlive the stack. Elsewhere DESTROY, which needs the bucket emptied
      // first (docs/deploy.md).
      removalPolicy,
    });
    if (this.#uploadOrigins.length > 0) this.#addCorsRule();
    Validations.of(this.bucket).acknowledge(
      ...COMMON_BUCKET_ACKS,
      {
        id: "cdk-validator-cfnguard::s3_bucket_versioning_enabled_check",
        reason:
          "Objects are never overwritten: every upload and rendition has a key of its own (a new image id), and " +
          "the images' records live in DynamoDB with point-in-time recovery. Versions would only keep deleted uploads.",
      },
      {
        id: "cdk-validator-cfnguard::s3_event_notifications_enabled_check",
        reason:
          "The bucket does notify the image processor of every upload, but the stateless stack writes that " +
          "configuration (a custom resource on the imported bucket), so the bucket resource itself lists none.",
      },
    );

    // Origin access control, signing every request: S3 sees CloudFront, never a viewer. The origin is made
    // without CDK's automatic bucket policy, which would let the CDN read every key; the statement below
    // lets it read the renditions only, so an upload (with its EXIF GPS) is never served.
    const oac = new S3OriginAccessControl(this, "OriginAccess", {
      // Names are unique per account, not per region, and every region of a stage has a stateful stack of
      // the same name: the region makes it unique (CDK's default name would not).
      originAccessControlName: `meridian-${stage.name}-images-${region}`,
      signing: Signing.SIGV4_ALWAYS,
      description: `Meridian ${stage.name}: CloudFront reads product image renditions`,
    });
    // The origin is the bucket by name, not a reference to it: the web dashboard's CSP names this CDN and the
    // bucket's CORS names the dashboard, so a reference here would close a cycle (bucket -> dashboard CDN ->
    // its headers policy -> this CDN -> bucket). CloudFront does not check that the origin exists.
    const origin = Bucket.fromBucketAttributes(this, "OriginBucket", { bucketName, region });
    this.distribution = new Distribution(this, "Cdn", {
      comment: `Meridian ${stage.name}: product images`,
      defaultBehavior: {
        origin: S3BucketOrigin.withBucketDefaults(origin, {
          originAccessControlId: oac.originAccessControlId,
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        // Renditions never change under their key (Cache-Control: max-age=31536000, immutable): cache up
        // to a year, no query string, cookie or header in the key.
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        // HSTS, nosniff, frame-options DENY, referrer policy, XSS protection.
        responseHeadersPolicy: ResponseHeadersPolicy.SECURITY_HEADERS,
        compress: false,
      },
      ...CDN_DEFAULTS,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: "cloudfront/images/",
    });
    this.bucket.addToResourcePolicy(
      new PolicyStatement({
        sid: "CloudFrontReadsRenditions",
        principals: [new ServicePrincipal("cloudfront.amazonaws.com")],
        actions: ["s3:GetObject"],
        resources: [this.bucket.arnForObjects(IMAGE_KEYS.renditions)],
        conditions: {
          StringEquals: {
            "AWS:SourceArn": `arn:${partition}:cloudfront::${account}:distribution/${this.distribution.distributionId}`,
          },
        },
      }),
    );
    this.publicUrl = `https://${this.distribution.distributionDomainName}`;

    const cdn = this.distribution;
    const defaultDomain =
      "The CDN answers on CloudFront's default *.cloudfront.net domain and certificate (the images' URLs are " +
      "never typed by a person); a custom domain, its certificate, SNI and TLS policy come with the " +
      "dashboard's domain.";
    Validations.of(cdn).acknowledge(
      { id: "cdk-validator-cfnguard::cloudfront_custom_ssl_certificate_check", reason: defaultDomain },
      { id: "cdk-validator-cfnguard::cloudfront_sni_enabled_check", reason: defaultDomain },
      { id: "cdk-validator-cfnguard::cloudfront_security_policy_check", reason: defaultDomain },
      {
        id: "cdk-validator-cfnguard::cloudfront_default_root_object_configured_check",
        reason:
          "The distribution serves rendition keys only; its root has no page, and S3 refuses it (403) since " +
          "the CDN may read nothing but products/*/images/*.",
      },
      {
        id: "cdk-validator-cfnguard::cloudfront_origin_failover_enabled_check",
        reason:
          "One bucket holds the renditions; a failover origin would need a replicated second bucket, while " +
          "CloudFront's cache already serves a year of every rendition it has seen.",
      },
      {
        id: "AwsSolutions::AwsSolutions-CFR1",
        reason:
          "Product images are public, for customers wherever they are; there is no country the shop may not " +
          "show its catalog in.",
      },
      {
        id: "AwsSolutions::AwsSolutions-CFR2",
        reason:
          "The CDN serves static, public, immutable renditions from cache; a web ACL ($5/month plus requests) " +
          "would protect no write and no personal data. Rate-based rules sit on the API's front door.",
      },
      {
        id: "AwsSolutions::AwsSolutions-CFR4",
        reason:
          "The distribution uses CloudFront's default *.cloudfront.net certificate, whose security policy " +
          "CloudFront fixes (TLSv1); TLS_V1_2_2021 applies as soon as a custom domain and certificate are set.",
      },
    );
  }

  /** Lets pages of `origin` (`https://host`, a token allowed) POST uploads to the bucket: the web dashboard's. */
  allowUploadsFrom(origin: string): void {
    if (this.#uploadOrigins.length === 0) this.#addCorsRule();
    this.#uploadOrigins.push(origin);
  }

  /** One CORS rule for every origin, read when the template is written. */
  #addCorsRule(): void {
    this.bucket.addCorsRule({
      allowedMethods: [HttpMethods.POST],
      allowedOrigins: Lazy.list({ produce: () => [...this.#uploadOrigins] }),
      maxAge: 3600,
    });
  }
}
