import { type TableDefinition, type TableNames, tableDefinitions, tableNames } from "@meridian/adapters";
import { PRE_TOKEN_SERVICE, preTokenEnvironment } from "@meridian/functions";
import { CfnOutput, Duration, Stack, type StackProps, Validations } from "aws-cdk-lib";
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  FeaturePlan,
  LambdaVersion,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolGroup,
  UserPoolOperation,
} from "aws-cdk-lib/aws-cognito";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
  type TableProps,
} from "aws-cdk-lib/aws-dynamodb";
import { Policy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { functionEntry } from "../bundling/lambda-bundle.ts";
import { removalPolicyOf } from "../config/naming.ts";
import type { StageConfig } from "../config/stages.ts";
import { FUNCTION_TIMEOUTS } from "../config/timeouts.ts";
import { MeridianFunction } from "../constructs/meridian-function.ts";
import { ProductImages } from "../images/product-images.ts";
import { apiOriginsForCsp, DashboardHosting } from "../web/dashboard-hosting.ts";
import { dashboardRedirects } from "../web/oauth-redirects.ts";

export interface StatefulStackProps extends StackProps {
  stage: StageConfig;
}

/** Name of the app secret; `npm run apikey -- --stage <s>` reads it by this name. */
export function appSecretName(stage: string): string {
  return `meridian/${stage}/app-secret`;
}

/**
 * The prefix of the user pool's managed-login domain, `https://<prefix>.auth.<region>.amazoncognito.com`:
 * prefixes are global per region, so the account makes them unique (no "aws", "amazon" or "cognito" in it).
 */
export function loginDomainPrefix(stage: string, account: string): string {
  return `meridian-${stage}-${account}`;
}

/** The Cognito group whose members may write the catalog (the API's JWT_ADMIN_GROUP default). */
export const ADMIN_GROUP = "admin";

/**
 * What must outlive a deploy: the four tables, the app secret, the user pool (with its managed-login domain and
 * the web client), the product images' bucket with the CDN whose domain the images' URLs carry, and the web
 * dashboard's bucket and CDN, whose domain the web client's redirect URLs and the images bucket's CORS carry. Deployed rarely, changed carefully; the stateless
 * stack is free to be replaced. In prod everything here is RETAINed when removed from the stack (see
 * `removalPolicy` in config/stages.ts); dev and personal stages DESTROY it so a teardown leaves nothing behind.
 */
export class StatefulStack extends Stack {
  readonly epochs: Table;
  readonly apiKeys: Table;
  readonly catalog: Table;
  readonly orders: Table;
  readonly appSecret: Secret;
  readonly userPool: UserPool;
  readonly webClient: UserPoolClient;
  /** Cognito's managed login (sign-in, sign-up, sign-out pages and the OAuth endpoints) for the web client. */
  readonly loginDomain: UserPoolDomain;
  /** `https://<login domain>/logout`: Cognito's sign-out, which takes `client_id` and `logout_uri`. */
  readonly logoutUrl: string;
  /** The web dashboard's bucket and CDN; the stateless stack writes the files (web/dashboard-deployment.ts). */
  readonly dashboard: DashboardHosting;
  /** The pool's pre token generation trigger: the admin group only for members with TOTP MFA enabled. */
  readonly preTokenFunction: MeridianFunction;
  /** The images bucket, its CDN and their log bucket (images/product-images.ts). */
  readonly images: ProductImages;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { stage } = props;
    const names = tableNames(`meridian-${stage.name}`);
    // RETAIN in prod (data survives a stack deletion), DESTROY in dev/staging/personal stages.
    const removalPolicy = removalPolicyOf(stage);

    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // KMS (AWS managed key aws/dynamodb): the key and its use show up in CloudTrail; no key policy to manage.
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: stage.kind === "prod",
      removalPolicy,
    };

    // Key schemas, indexes, stream and TTL come from the definitions the sandbox creates its tables from.
    const table = (tableId: string, key: keyof TableNames) =>
      definedTable(this, tableId, { ...common, tableName: names[key] }, tableDefinitions[key]);
    // `GET /epochs?mine=true` reads the byKey index: one API key's epochs (docs/data-model.md).
    this.epochs = table("Epochs", "epochs");
    this.apiKeys = table("ApiKeys", "apiKeys");
    this.catalog = table("Catalog", "catalog");
    // The order-stream function reserves stock from this table's stream.
    this.orders = table("Orders", "orders");

    // Generated by CloudFormation, never seen by a person or the repository. It peppers the API-key hashes, so
    // replacing it invalidates every key: it is RETAINed in prod like the tables.
    this.appSecret = new Secret(this, "AppSecret", {
      secretName: appSecretName(stage.name),
      description: `Meridian ${stage.name}: peppers API-key hashes and signs cursors`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy,
    });
    Validations.of(this.appSecret).acknowledge({
      id: "AwsSolutions::AwsSolutions-SMG4",
      reason:
        "No automatic rotation: the secret peppers stored API-key hashes, so rotating it would invalidate every " +
        "issued key; the function reads it once per cold start. Rotation is a planned, manual re-keying.",
    });

    // Customers sign up themselves; admins are customers added to the "admin" group by an operator.
    this.userPool = new UserPool(this, "Users", {
      userPoolName: `meridian-${stage.name}`,
      selfSignUpEnabled: true,
      signInAliases: { email: true },
      autoVerify: { email: true },
      signInCaseSensitive: false,
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      // Threat protection comes with the Plus plan only; the stage chooses (prod: enforced).
      featurePlan: stage.threatProtection === "off" ? FeaturePlan.ESSENTIALS : FeaturePlan.PLUS,
      ...(stage.threatProtection === "off"
        ? {}
        : {
            standardThreatProtectionMode:
              stage.threatProtection === "enforced"
                ? StandardThreatProtectionMode.FULL_FUNCTION
                : StandardThreatProtectionMode.AUDIT_ONLY,
          }),
      deletionProtection: stage.kind === "prod",
      removalPolicy,
    });
    Validations.of(this.userPool).acknowledge({
      id: "AwsSolutions::AwsSolutions-COG2",
      reason:
        "MFA is optional (TOTP) because customers sign themselves up; requiring it at sign-up loses customers. " +
        "Admins must have TOTP: the pre token generation trigger leaves the admin group out of the tokens of " +
        "a member without it (docs/deploy.md).",
    });
    if (stage.threatProtection === "off") {
      Validations.of(this.userPool).acknowledge({
        id: "AwsSolutions::AwsSolutions-COG8",
        reason:
          "This stage turns threat protection off (stage config threatProtection): it needs the Plus feature " +
          "plan (per-MAU charge), which prod pays for; dev and personal stages have no real customers.",
      });
    }
    new UserPoolGroup(this, "AdminGroup", {
      userPool: this.userPool,
      groupName: ADMIN_GROUP,
      description: "May write the catalog",
    });

    // Cognito has no "MFA required for one group", but with MFA optional it challenges every sign-in of a
    // user who has TOTP enabled; this trigger issues the admin group only to those (fail closed). It lives
    // here, not in the stateless stack, because the pool names it: the stateless stack already depends on
    // this one. V2_0 events (the Essentials and Plus plans, so every stage) are the ones whose group override
    // reaches the access token, which is what the API reads.
    this.preTokenFunction = new MeridianFunction(this, "PreToken", {
      entry: functionEntry("pre-token"),
      description: `Meridian ${stage.name}: issues the admin group only to members with TOTP MFA (pre token generation)`,
      timeout: FUNCTION_TIMEOUTS.preToken,
      logRetention: stage.logRetentionDays,
      logRemovalPolicy: removalPolicy,
      tracing: stage.tracing,
      service: PRE_TOKEN_SERVICE,
      logLevel: stage.logLevel,
      environment: { [preTokenEnvironment.variables.adminGroup]: ADMIN_GROUP },
    });
    this.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.preTokenFunction,
      LambdaVersion.V2_0,
    );
    // AdminGetUser on this pool only. A policy of its own, not the role's default policy: the function
    // waits for its default policy, the pool waits for the function, and this statement names the pool, so
    // in the default policy it would close a dependency cycle.
    new Policy(this, "PreTokenUserLookup", {
      roles: this.preTokenFunction.role ? [this.preTokenFunction.role] : [],
      statements: [
        new PolicyStatement({
          actions: ["cognito-idp:AdminGetUser"],
          resources: [this.userPool.userPoolArn],
        }),
      ],
    });

    this.images = new ProductImages(this, "ProductImages", { stage, removalPolicy });

    // Managed login (the newer pages, Cognito's own look) on a Cognito domain: the dashboard's sign-in.
    this.loginDomain = this.userPool.addDomain("LoginDomain", {
      cognitoDomain: { domainPrefix: loginDomainPrefix(stage.name, this.account) },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    this.logoutUrl = `${this.loginDomain.baseUrl()}/logout`;

    // The dashboard's CDN lives here, next to the client whose redirect URLs and the images bucket whose CORS
    // name it; its CSP can name only what this stack knows (docs/decisions/0020-dashboard-hosting.md).
    this.dashboard = new DashboardHosting(this, "Dashboard", {
      stage,
      removalPolicy,
      logBucket: this.images.logBucket,
      csp: {
        api: apiOriginsForCsp(stage, this.region, this.urlSuffix),
        loginDomain: this.loginDomain.baseUrl(),
        userPoolApi: `https://cognito-idp.${this.region}.${this.urlSuffix}`,
        images: this.images.publicUrl,
        uploads: this.images.uploadOrigin,
      },
    });
    this.images.allowUploadsFrom(this.dashboard.origin);

    // The dashboard (a browser app: no client secret) signs users in through managed login: Authorization Code
    // with PKCE, never the implicit grant; openid + email only (no aws.cognito.signin.user.admin). SRP stays
    // for scripts and the CLI's sign-in.
    const redirects = dashboardRedirects(stage, this.dashboard.origin);
    this.webClient = this.userPool.addClient("WebClient", {
      userPoolClientName: `meridian-${stage.name}-web`,
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        callbackUrls: redirects.callbackUrls,
        logoutUrls: redirects.logoutUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      // Written down rather than left to Cognito's defaults: an hour of API access per token, a month of
      // silent renewal; a revoked refresh token (sign-out) stops renewing at once.
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
      enableTokenRevocation: true,
    });
    // The newer managed login pages need a style per client; Cognito's own look, nothing of ours.
    new CfnManagedLoginBranding(this, "LoginBranding", {
      userPoolId: this.userPool.userPoolId,
      clientId: this.webClient.userPoolClientId,
      useCognitoProvidedValues: true,
    }).node.addDependency(this.loginDomain);

    new CfnOutput(this, "EpochsTableName", { value: this.epochs.tableName });
    new CfnOutput(this, "ApiKeysTableName", { value: this.apiKeys.tableName });
    new CfnOutput(this, "CatalogTableName", { value: this.catalog.tableName });
    new CfnOutput(this, "OrdersTableName", { value: this.orders.tableName });
    new CfnOutput(this, "UserPoolId", { value: this.userPool.userPoolId });
    new CfnOutput(this, "WebClientId", { value: this.webClient.userPoolClientId });
    new CfnOutput(this, "AppSecretName", { value: appSecretName(stage.name) });
    new CfnOutput(this, "ImagesBucketName", { value: this.images.bucket.bucketName });
    new CfnOutput(this, "ImagesUrl", { value: this.images.publicUrl });
    new CfnOutput(this, "PreTokenLogGroup", { value: this.preTokenFunction.logGroup.logGroupName });
    new CfnOutput(this, "DashboardUrl", { value: this.dashboard.url });
    new CfnOutput(this, "LoginDomainUrl", { value: this.loginDomain.baseUrl() });
  }
}

/** A table as `definition` says (every key a string), with `props` for everything else. */
function definedTable(
  scope: Construct,
  id: string,
  props: Omit<TableProps, "partitionKey" | "sortKey" | "stream" | "timeToLiveAttribute">,
  definition: TableDefinition,
): Table {
  const key = (name: string | undefined) => (name ? { name, type: AttributeType.STRING } : undefined);
  const table = new Table(scope, id, {
    ...props,
    partitionKey: { name: definition.partitionKey, type: AttributeType.STRING },
    sortKey: key(definition.sortKey),
    stream: definition.stream && StreamViewType[definition.stream],
    timeToLiveAttribute: definition.timeToLiveAttribute,
  });
  for (const [indexName, index] of Object.entries(definition.indexes ?? {})) {
    table.addGlobalSecondaryIndex({
      indexName,
      partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
      sortKey: key(index.sortKey),
      projectionType: ProjectionType[index.projection],
    });
  }
  return table;
}
