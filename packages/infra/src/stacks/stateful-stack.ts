import { TTL_ATTRIBUTE, tableDefinitions, tableNames } from "@meridian/adapters";
import { PRE_TOKEN_SERVICE } from "@meridian/functions";
import { CfnOutput, Stack, type StackProps, Validations } from "aws-cdk-lib";
import {
  AccountRecovery,
  FeaturePlan,
  LambdaVersion,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
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
} from "aws-cdk-lib/aws-dynamodb";
import { Policy, PolicyStatement } from "aws-cdk-lib/aws-iam";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { functionEntry } from "../bundling/lambda-bundle.ts";
import { removalPolicyOf } from "../config/naming.ts";
import type { StageConfig } from "../config/stages.ts";
import { FUNCTION_TIMEOUTS } from "../config/timeouts.ts";
import { MeridianFunction } from "../constructs/meridian-function.ts";

export interface StatefulStackProps extends StackProps {
  stage: StageConfig;
}

/** Name of the app secret; `npm run apikey -- --stage <s>` reads it by this name. */
export function appSecretName(stage: string): string {
  return `meridian/${stage}/app-secret`;
}

/** The Cognito group whose members may write the catalog (the API's JWT_ADMIN_GROUP default). */
export const ADMIN_GROUP = "admin";

/**
 * What must outlive a deploy: the four tables, the app secret and the user pool. Deployed rarely, changed carefully; the stateless
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
  /** The pool's pre token generation trigger: the admin group only for members with TOTP MFA enabled. */
  readonly preTokenFunction: MeridianFunction;

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

    const epochsDef = tableDefinitions.epochs;
    this.epochs = new Table(this, "Epochs", {
      ...common,
      tableName: names.epochs,
      partitionKey: { name: epochsDef.partitionKey, type: AttributeType.STRING },
      sortKey: { name: epochsDef.sortKey, type: AttributeType.STRING },
      // Idempotency records expire; DynamoDB deletes them for free after `expiresAt`.
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    // `GET /epochs?mine=true`: one API key's epochs (docs/data-model.md).
    for (const [indexName, index] of Object.entries(epochsDef.indexes)) {
      this.epochs.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType[index.projection],
      });
    }

    this.apiKeys = new Table(this, "ApiKeys", {
      ...common,
      tableName: names.apiKeys,
      partitionKey: { name: tableDefinitions.apiKeys.partitionKey, type: AttributeType.STRING },
    });

    const catalogDef = tableDefinitions.catalog;
    this.catalog = new Table(this, "Catalog", {
      ...common,
      tableName: names.catalog,
      partitionKey: { name: catalogDef.partitionKey, type: AttributeType.STRING },
      // Idempotency records of product creates and stock changes expire.
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    for (const [indexName, index] of Object.entries(catalogDef.indexes)) {
      this.catalog.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType[index.projection],
      });
    }

    const ordersDef = tableDefinitions.orders;
    this.orders = new Table(this, "Orders", {
      ...common,
      tableName: names.orders,
      partitionKey: { name: ordersDef.partitionKey, type: AttributeType.STRING },
      // The order-stream function reserves stock from this stream; idempotency records expire by TTL.
      stream: StreamViewType[ordersDef.stream],
      timeToLiveAttribute: TTL_ATTRIBUTE,
    });
    for (const [indexName, index] of Object.entries(ordersDef.indexes)) {
      this.orders.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType[index.projection],
      });
    }

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
      environment: { ADMIN_GROUP },
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

    // The dashboard (a browser app: no client secret) signs users in with SRP.
    this.webClient = this.userPool.addClient("WebClient", {
      userPoolClientName: `meridian-${stage.name}-web`,
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      // Until the dashboard's hosted sign-in lands, no OAuth at all: CDK's defaults would allow the implicit
      // flow, an https://example.com callback and the aws.cognito.signin.user.admin scope.
      disableOAuth: true,
    });

    new CfnOutput(this, "EpochsTableName", { value: this.epochs.tableName });
    new CfnOutput(this, "ApiKeysTableName", { value: this.apiKeys.tableName });
    new CfnOutput(this, "CatalogTableName", { value: this.catalog.tableName });
    new CfnOutput(this, "OrdersTableName", { value: this.orders.tableName });
    new CfnOutput(this, "UserPoolId", { value: this.userPool.userPoolId });
    new CfnOutput(this, "WebClientId", { value: this.webClient.userPoolClientId });
    new CfnOutput(this, "AppSecretName", { value: appSecretName(stage.name) });
    new CfnOutput(this, "PreTokenLogGroup", { value: this.preTokenFunction.logGroup.logGroupName });
  }
}
