import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import type { StageConfigInput } from "../src/config/stages.ts";
import { addStage } from "../src/meridian-app.ts";
import { SPA_ROUTING_FUNCTION_SOURCE } from "../src/web/spa-routing.ts";
import { stageConfig, synthStage, templatesFor, testApp, validate, WEB_ASSETS_DIR } from "./helpers.ts";

// biome-ignore lint/suspicious/noExplicitAny: CloudFormation JSON, read by the shape each test asserts.
type Cfn = any;

const PROD = { kind: "prod", removalPolicy: "retain", logRetentionDays: 365 } as const;
const DOMAIN = {
  name: "api.example.com",
  certificateArns: { "eu-west-1": "arn:aws:acm:eu-west-1:123456789012:certificate/0000" },
};

function only(template: Template, type: string, props: object = {}): [string, Cfn] {
  const found = Object.entries(template.findResources(type, props));
  expect(found, type).toHaveLength(1);
  return found[0] as [string, Cfn];
}

const dashboardCdn = (t: Template) =>
  only(t, "AWS::CloudFront::Distribution", {
    Properties: { DistributionConfig: { Comment: Match.stringLikeRegexp("web dashboard") } },
  });

/**
 * A CloudFormation value as one readable string: `Ref`s as `<id>`, `Fn::GetAtt`s as `<id.attr>`, a value read
 * from the stateful stack as `<stateful:output>`, joins joined.
 */
function flat(value: Cfn): string {
  if (typeof value === "string") return value;
  if (value.Ref) return `<${value.Ref}>`;
  if (value["Fn::GetAtt"]) return `<${value["Fn::GetAtt"].join(".")}>`;
  if (value["Fn::GetStackOutput"]) return `<stateful:${value["Fn::GetStackOutput"].OutputName}>`;
  if (value["Fn::Join"]) return value["Fn::Join"][1].map(flat).join(value["Fn::Join"][0]);
  if (value["Fn::Sub"]) return value["Fn::Sub"];
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** Runs the CloudFront Function's source on a viewer request for `uri`, as CloudFront would. */
function route(uri: string): Cfn {
  const handler = new Function(`${SPA_ROUTING_FUNCTION_SOURCE}\nreturn handler;`)() as (event: Cfn) => Cfn;
  return handler({
    version: "1.0",
    context: { eventType: "viewer-request" },
    request: { method: "GET", uri },
  });
}

describe("the dashboard's viewer-request function (run in Node)", () => {
  it("redirects / and /app to /app/ with a 301", () => {
    for (const uri of ["/", "/app"]) {
      expect(route(uri)).toEqual({
        statusCode: 301,
        statusDescription: "Moved Permanently",
        headers: { location: { value: "/app/" } },
      });
    }
  });

  it("serves /app/index.html for every /app/ path without a file extension", () => {
    for (const uri of ["/app/", "/app/callback", "/app/orders", "/app/orders/o-1", "/app/catalog/"]) {
      expect(route(uri).uri, uri).toBe("/app/index.html");
    }
  });

  it("passes files and everything outside /app/ to the bucket unchanged", () => {
    for (const uri of [
      "/app/index.html",
      "/app/config.json",
      "/app/assets/index-a1b2c3d4.js",
      "/app/assets/missing-0000.css",
      "/app/favicon.svg",
      "/favicon.ico",
      "/application",
      "/other/page",
    ]) {
      expect(route(uri), uri).toEqual({ method: "GET", uri });
    }
  });
});

describe("the dashboard's bucket and CDN (stateful stack)", () => {
  it("keeps the build in a private, TLS-only, SSE-S3 bucket named for stage, account and region", () => {
    const t = templatesFor({}).stateful;
    const [bucketId, bucket] = only(t, "AWS::S3::Bucket", {
      Properties: {
        BucketName: Match.objectLike({ "Fn::Join": ["", Match.arrayWith(["meridian-test-web-"])] }),
      },
    });
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: expect.stringMatching(/^ProductImagesLogs/) },
        LogFilePrefix: "s3/dashboard/",
      },
    });
    expect(bucket.Properties.VersioningConfiguration).toBeUndefined();
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    // Destroyed with a dev stack, retained in prod, like the images bucket.
    expect(bucket.DeletionPolicy).toBe("Delete");
    expect(
      only(templatesFor(PROD).stateful, "AWS::S3::Bucket", {
        Properties: { BucketName: bucket.Properties.BucketName },
      })[1].DeletionPolicy,
    ).toBe("Retain");

    // TLS only, and CloudFront reads the objects for this distribution only.
    const [cdnId] = dashboardCdn(t);
    const [, policy] = only(t, "AWS::S3::BucketPolicy", { Properties: { Bucket: { Ref: bucketId } } });
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: "s3:*",
        Effect: "Deny",
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      }),
    );
    const read = statements.find((s: Cfn) => s.Principal?.Service === "cloudfront.amazonaws.com");
    expect(read).toMatchObject({ Action: "s3:GetObject", Effect: "Allow" });
    expect(flat(read.Condition.StringEquals["AWS:SourceArn"])).toBe(
      `arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<${cdnId}>`,
    );
    expect(statements).toHaveLength(2);
  });

  it("reads it through a SigV4 origin access control, redirects HTTP to HTTPS, HTTP/2+3, price class 100, the routing function on viewer request", () => {
    const t = templatesFor({}).stateful;
    const [oacId, oac] = only(t, "AWS::CloudFront::OriginAccessControl", {
      Properties: { OriginAccessControlConfig: { Name: "meridian-test-web-eu-west-1" } },
    });
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: "s3",
      SigningBehavior: "always",
      SigningProtocol: "sigv4",
    });
    const [fnId, fn] = only(t, "AWS::CloudFront::Function");
    expect(fn.Properties.FunctionCode).toBe(SPA_ROUTING_FUNCTION_SOURCE);
    expect(fn.Properties.FunctionConfig.Runtime).toBe("cloudfront-js-2.0");
    const [headersId] = only(t, "AWS::CloudFront::ResponseHeadersPolicy");

    const config = dashboardCdn(t)[1].Properties.DistributionConfig;
    expect(config.Origins).toEqual([
      expect.objectContaining({
        DomainName: { "Fn::GetAtt": [expect.stringMatching(/^DashboardBucket/), "RegionalDomainName"] },
        OriginAccessControlId: { "Fn::GetAtt": [oacId, "Id"] },
      }),
    ]);
    expect(config).toMatchObject({
      HttpVersion: "http2and3",
      PriceClass: "PriceClass_100",
      Logging: { Prefix: "cloudfront/dashboard/" },
    });
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: "redirect-to-https",
      AllowedMethods: ["GET", "HEAD"],
      CachePolicyId: "658327ea-f89d-4fab-a63d-7e88639e58f6", // CachingOptimized: honours Cache-Control
      Compress: true,
      ResponseHeadersPolicyId: { Ref: headersId },
      FunctionAssociations: [
        { EventType: "viewer-request", FunctionARN: { "Fn::GetAtt": [fnId, "FunctionARN"] } },
      ],
    });
    // No custom error responses: a missing asset stays an error instead of becoming the page.
    expect(config.CustomErrorResponses).toBeUndefined();
    expect(config.CacheBehaviors).toBeUndefined();
  });

  it("sends a strict CSP naming the API, Cognito, the images CDN and the upload bucket, HSTS for two years, frame DENY", () => {
    const t = templatesFor({}).stateful;
    const [, policy] = only(t, "AWS::CloudFront::ResponseHeadersPolicy");
    const headers = policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const [domainId] = only(t, "AWS::Cognito::UserPoolDomain");
    const [imagesCdnId] = only(t, "AWS::CloudFront::Distribution", {
      Properties: { DistributionConfig: { Comment: Match.stringLikeRegexp("product images") } },
    });

    expect(headers.ContentSecurityPolicy.Override).toBe(true);
    expect(flat(headers.ContentSecurityPolicy.ContentSecurityPolicy).split("; ")).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      `img-src 'self' data: blob: https://<${imagesCdnId}.DomainName>`,
      "connect-src 'self' https://*.execute-api.eu-west-1.<AWS::URLSuffix>" +
        ` https://<${domainId}>.auth.eu-west-1.amazoncognito.com https://cognito-idp.eu-west-1.<AWS::URLSuffix>` +
        " https://meridian-test-img-<AWS::AccountId>-eu-west-1.s3.eu-west-1.<AWS::URLSuffix>",
      "font-src 'self'",
      "manifest-src 'self'",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ]);
    expect(headers).toMatchObject({
      StrictTransportSecurity: {
        AccessControlMaxAgeSec: 63_072_000,
        IncludeSubdomains: true,
        Preload: false,
        Override: true,
      },
      FrameOptions: { FrameOption: "DENY", Override: true },
      ContentTypeOptions: { Override: true },
      ReferrerPolicy: { ReferrerPolicy: "strict-origin-when-cross-origin", Override: true },
    });
  });

  it("names exactly the API's custom domain in the CSP when the stage has one", () => {
    const [, policy] = only(
      templatesFor({ domain: DOMAIN }).stateful,
      "AWS::CloudFront::ResponseHeadersPolicy",
    );
    const csp = flat(
      policy.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy
        .ContentSecurityPolicy,
    );
    const connect = csp.split("; ").find((d) => d.startsWith("connect-src")) ?? "";
    expect(connect).toContain(" https://api.example.com ");
    expect(connect).not.toContain("execute-api");
  });

  it("outputs the dashboard's URL", () => {
    const t = templatesFor({}).stateful;
    const [cdnId] = dashboardCdn(t);
    expect(flat(t.toJSON().Outputs.DashboardUrl.Value)).toBe(`https://<${cdnId}.DomainName>/app/`);
  });
});

describe("Cognito managed login for the dashboard (stateful stack)", () => {
  it("has a Cognito domain named for stage and account, with the newer managed login and Cognito's branding", () => {
    const t = templatesFor({}).stateful;
    const [domainId, domain] = only(t, "AWS::Cognito::UserPoolDomain");
    expect(flat(domain.Properties.Domain)).toBe("meridian-test-<AWS::AccountId>");
    expect(domain.Properties.ManagedLoginVersion).toBe(2);
    const [clientId] = only(t, "AWS::Cognito::UserPoolClient");
    const [, branding] = only(t, "AWS::Cognito::ManagedLoginBranding");
    expect(branding.Properties).toMatchObject({
      ClientId: { Ref: clientId },
      UseCognitoProvidedValues: true,
    });
    expect(branding.DependsOn).toContain(domainId);
  });

  it("lets the web client use the code flow only, with openid and email, back to the dashboard and a dev stage's localhost", () => {
    const t = templatesFor({
      corsOrigins: ["http://localhost:3000", "http://127.0.0.1:3000", "https://x.example.com"],
    }).stateful;
    const [cdnId] = dashboardCdn(t);
    const [, client] = only(t, "AWS::Cognito::UserPoolClient");
    const p = client.Properties;
    expect(p).toMatchObject({
      AllowedOAuthFlows: ["code"],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: ["openid", "email"],
      SupportedIdentityProviders: ["COGNITO"],
      GenerateSecret: false,
      PreventUserExistenceErrors: "ENABLED",
      EnableTokenRevocation: true,
      AccessTokenValidity: 60,
      IdTokenValidity: 60,
      RefreshTokenValidity: 30 * 24 * 60,
      TokenValidityUnits: { AccessToken: "minutes", IdToken: "minutes", RefreshToken: "minutes" },
    });
    expect(p.AllowedOAuthFlows).not.toContain("implicit");
    // Cognito takes plain HTTP for localhost only; other origins are not local, so not redirect targets.
    expect(p.CallbackURLs.map(flat)).toEqual([
      `https://<${cdnId}.DomainName>/app/callback`,
      "http://localhost:3000/app/callback",
    ]);
    expect(p.LogoutURLs.map(flat)).toEqual([
      `https://<${cdnId}.DomainName>/app/`,
      "http://localhost:3000/app/",
    ]);
  });

  it("sends a prod stage's users back to the dashboard only", () => {
    const t = templatesFor(PROD).stateful;
    const [cdnId] = dashboardCdn(t);
    const [, client] = only(t, "AWS::Cognito::UserPoolClient");
    expect(client.Properties.CallbackURLs.map(flat)).toEqual([`https://<${cdnId}.DomainName>/app/callback`]);
    expect(client.Properties.LogoutURLs.map(flat)).toEqual([`https://<${cdnId}.DomainName>/app/`]);
  });
});

describe("the dashboard's files and config.json (stateless stack)", () => {
  const deployments = (t: Template) => Object.entries(t.findResources("Custom::CDKBucketDeployment"));

  it("writes the hashed assets immutable first, then index.html and everything else no-cache, invalidating two paths", () => {
    const t = templatesFor({}).stateless;
    const found = deployments(t);
    expect(found).toHaveLength(2);
    const [assetsId, assets] = found.find(([id]) => id.startsWith("WebDashboardAssets")) ?? ["", undefined];
    const [, entry] = found.find(([id]) => id.startsWith("WebDashboardEntry")) ?? ["", undefined];
    if (!assets || !entry) throw new Error("no dashboard deployments");
    for (const d of [assets, entry]) {
      expect(flat(d.Properties.DestinationBucketName)).toBe("meridian-test-web-<AWS::AccountId>-eu-west-1");
      expect(d.Properties).toMatchObject({
        DestinationBucketKeyPrefix: "app/",
        Prune: true,
        RetainOnDelete: true,
      });
    }
    expect(assets.Properties).toMatchObject({
      Exclude: ["*"],
      Include: ["assets/*"],
      SystemMetadata: { "cache-control": "public, max-age=31536000, immutable" },
    });
    expect(assets.Properties.DistributionId).toBeUndefined();
    expect(entry.Properties).toMatchObject({
      Exclude: ["assets/*"],
      SystemMetadata: { "cache-control": "no-cache" },
      DistributionPaths: ["/app/index.html", "/app/config.json"],
    });
    expect(entry.Properties.Include).toBeUndefined();
    expect(flat(entry.Properties.DistributionId)).toMatch(/^<stateful:PublishOutputRefDashboardCdn/);
    expect(entry.DependsOn).toContain(assetsId);
    // Both ship the same build; the entry adds config.json.
    expect(entry.Properties.SourceObjectKeys[0]).toBe(assets.Properties.SourceObjectKeys[0]);
    expect(entry.Properties.SourceObjectKeys).toHaveLength(2);
  });

  it("writes config.json with this stage's API URL, user pool issuer, web client and Cognito logout URL", () => {
    // Arrange
    const { app, stateless } = synthStage({}, { checks: false });
    const assembly = app.synth();
    const t = assembly.getStackArtifact(stateless.artifactId).template as Cfn;
    const entry = Object.values(t.Resources as Record<string, Cfn>).find(
      (r) => r.Type === "Custom::CDKBucketDeployment" && r.Properties.DistributionPaths,
    );
    const [, configKey] = entry.Properties.SourceObjectKeys as string[];
    const markers = entry.Properties.SourceMarkers[1] as Record<string, Cfn>;

    // Act: the file as staged, with each deploy-time marker replaced by what CloudFormation will put there.
    let text = readFileSync(
      join(assembly.directory, `asset.${configKey?.replace(/\.zip$/, "")}`, "config.json"),
      "utf8",
    );
    for (const [marker, value] of Object.entries(markers)) text = text.split(marker).join(flat(value));
    const config = JSON.parse(text);

    // Assess
    const apiId = Object.keys(t.Resources).find((id) => t.Resources[id].Type === "AWS::ApiGatewayV2::Api");
    expect(config).toEqual({
      stage: "test",
      apiUrl: `https://<${apiId}>.execute-api.eu-west-1.<AWS::URLSuffix>/`,
      imagesUrl: expect.stringMatching(
        /^https:\/\/<stateful:PublishOutputFnGetAttProductImagesCdn.*DomainName.*>$/,
      ),
      auth: {
        authority: expect.stringMatching(/^<stateful:PublishOutputFnGetAttUsers.*ProviderURL.*>$/),
        clientId: expect.stringMatching(/^<stateful:PublishOutputRefUsersWebClient.*>$/),
        logoutUrl: expect.stringMatching(
          /^https:\/\/<stateful:PublishOutputRefUsersLoginDomain.*>\.auth\.eu-west-1\.amazoncognito\.com\/logout$/,
        ),
        scope: "openid email",
      },
    });
    // The same values the API's function verifies tokens with.
    const http = Object.values(t.Resources as Record<string, Cfn>).find(
      (r) => r.Type === "AWS::Lambda::Function" && r.Properties.Environment?.Variables?.JWT_ISSUER,
    );
    expect(flat(http.Properties.Environment.Variables.JWT_ISSUER)).toBe(config.auth.authority);
    expect(flat(http.Properties.Environment.Variables.JWT_AUDIENCE)).toBe(config.auth.clientId);
  });

  it("stops synthesis with what to run when the build folder has no index.html", () => {
    const app = testApp();
    const empty = mkdtempSync(join(tmpdir(), "meridian-no-web-"));
    expect(() => addStage(app, stageConfig({}), { webAssetsDir: empty })).toThrow(
      /build the dashboard first: npm run build -w @meridian\/web/,
    );
  });
});

describe("CORS for the dashboard's origin", () => {
  it("lets the dashboard call the API (besides the stage's corsOrigins) and POST uploads to the images bucket", () => {
    const { stateful, stateless } = templatesFor({ corsOrigins: ["https://app.example.com"] });
    const [, api] = only(stateless, "AWS::ApiGatewayV2::Api");
    expect(api.Properties.CorsConfiguration.AllowOrigins.map(flat)).toEqual([
      "https://app.example.com",
      expect.stringMatching(/^https:\/\/<stateful:PublishOutputFnGetAttDashboardCdn.*DomainName.*>$/),
    ]);
    const [cdnId] = dashboardCdn(stateful);
    const [, images] = only(stateful, "AWS::S3::Bucket", {
      Properties: {
        BucketName: Match.objectLike({ "Fn::Join": ["", Match.arrayWith(["meridian-test-img-"])] }),
      },
    });
    expect(images.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins.map(flat)).toEqual([
      "https://app.example.com",
      `https://<${cdnId}.DomainName>`,
    ]);
  });

  it.each(["rest-api", "alb"] as const)(
    "behind the %s, gives the app the same origins to answer CORS to",
    (frontDoor) => {
      // Act
      const { stateless } = templatesFor({ frontDoor, corsOrigins: ["https://app.example.com"] });

      // Assess
      const [, http] = only(stateless, "AWS::Lambda::Function", {
        Properties: { Description: Match.stringLikeRegexp("the HTTP API \\(all routes\\)") },
      });
      expect(flat(http.Properties.Environment.Variables.CORS_ALLOWED_ORIGINS)).toMatch(
        /^https:\/\/app\.example\.com,https:\/\/<stateful:PublishOutputFnGetAttDashboardCdn.*DomainName.*>$/,
      );
      expect(
        stateless.findResources("AWS::ApiGateway::Method", { Properties: { HttpMethod: "OPTIONS" } }),
      ).toEqual({});
    },
  );

  it("is no longer a known limit of the REST API and ALB front doors in deploy.md", () => {
    // Act
    const deploy = readFileSync(new URL("../../../docs/deploy.md", import.meta.url), "utf8");
    const limits = deploy.slice(deploy.indexOf("## Known limits"));

    // Assess
    expect(limits).not.toMatch(/works with `http-api` only|answers only the preflight/);
    expect(deploy).toContain("CORS_ALLOWED_ORIGINS");
  });
});

describe("security gates with the dashboard", () => {
  const variants: Array<[string, Partial<StageConfigInput>]> = [
    ["dev", {}],
    ["prod with a domain", { ...PROD, domain: DOMAIN }],
  ];

  it.each(variants)(
    "%s: cdk-nag and the Control Tower rules pass, the deployment handler's findings acknowledged one by one",
    (_name, overrides) => {
      // Act
      const { findings, acknowledged } = validate(synthStage(overrides).app);

      // Assess
      expect(findings).toEqual([]);
      const handler = acknowledged.filter((a) => a.reason.startsWith("aws-cdk-lib's BucketDeployment"));
      expect(
        handler.map((a) => a.rule.replace(/^AwsSolutions::|^cdk-validator-cfnguard::/, "")).sort(),
      ).toEqual(
        [
          "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
          "AwsSolutions-IAM5[Action::s3:Abort*]",
          "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
          "AwsSolutions-IAM5[Action::s3:GetBucket*]",
          "AwsSolutions-IAM5[Action::s3:GetObject*]",
          "AwsSolutions-IAM5[Action::s3:List*]",
          "AwsSolutions-IAM5[Resource::*]",
          "AwsSolutions-IAM5[Resource::arn:aws:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-eu-west-1/*]",
          "AwsSolutions-IAM5[Resource::arn:aws:s3:::meridian-test-web-<AWS::AccountId>-eu-west-1/*]",
          "AwsSolutions-L1",
          "lambda_inside_vpc_check",
        ].sort(),
      );
    },
  );

  it("builds a stage whose stacks reference each other one way only (no cycle), in two regions too", () => {
    const app = testApp();
    const stacks = addStage(app, stageConfig({ regions: ["eu-west-1", "us-east-1"] }), {
      webAssetsDir: WEB_ASSETS_DIR,
    });
    const assembly = app.synth();
    for (const { stateful, stateless } of stacks) {
      expect(stateless.dependencies).toContain(stateful);
      expect(stateful.dependencies).toEqual([]);
      expect(assembly.getStackArtifact(stateful.artifactId).dependencies.map((d) => d.id)).not.toContain(
        stateless.artifactId,
      );
    }
  });
});
