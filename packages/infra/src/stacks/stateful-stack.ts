import { TTL_ATTRIBUTE, tableDefinitions, tableNames } from "@meridian/adapters";
import { CfnOutput, Stack, type StackProps, Validations } from "aws-cdk-lib";
import {
  AccountRecovery,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  UserPool,
  type UserPoolClient,
  UserPoolGroup,
} from "aws-cdk-lib/aws-cognito";
import {
  AttributeType,
  BillingMode,
  ProjectionType,
  StreamViewType,
  Table,
  TableEncryption,
} from "aws-cdk-lib/aws-dynamodb";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import type { Construct } from "constructs";
import { removalPolicyOf } from "../config/naming.ts";
import type { StageConfig } from "../config/stages.ts";

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
        "Admin accounts are expected to enrol TOTP (docs/deploy.md).",
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
  }
}
