import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { templatesFor } from "./helpers.ts";

const PROD = { kind: "prod", removalPolicy: "retain", logRetentionDays: 365 } as const;

describe("the stateful stack", () => {
  it("has its tables on demand, with point-in-time recovery, KMS encryption and the shared key schemas", () => {
    // Act
    const template = templatesFor({ name: "qa" }).stateful;

    // Assess
    template.resourceCountIs("AWS::DynamoDB::Table", 4);
    template.allResourcesProperties("AWS::DynamoDB::Table", {
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    const common = {
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key = KMS with the AWS managed key aws/dynamodb (not the default AWS owned key).
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
    };
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      ...common,
      TableName: "meridian-qa-epochs",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: "byKey",
          KeySchema: [
            { AttributeName: "keyShard", KeyType: "HASH" },
            { AttributeName: "sk", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "ALL" },
        },
      ],
    });
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      ...common,
      TableName: "meridian-qa-api-keys",
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      TimeToLiveSpecification: Match.absent(),
    });
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "meridian-qa-catalog",
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: "byKind",
          KeySchema: [
            { AttributeName: "kind", KeyType: "HASH" },
            { AttributeName: "id", KeyType: "RANGE" },
          ],
          Projection: { ProjectionType: "KEYS_ONLY" },
        },
      ],
    });
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      TableName: "meridian-qa-orders",
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      StreamSpecification: { StreamViewType: "NEW_AND_OLD_IMAGES" },
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      GlobalSecondaryIndexes: [
        Match.objectLike({ IndexName: "byCustomer", Projection: { ProjectionType: "ALL" } }),
        Match.objectLike({ IndexName: "byStatus", Projection: { ProjectionType: "ALL" } }),
      ],
    });
  });

  it("has a user pool with an admin group and a browser client without a secret", () => {
    const template = templatesFor({ name: "qa" }).stateful;
    template.hasResourceProperties("AWS::Cognito::UserPool", {
      UserPoolName: "meridian-qa",
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12 }) },
      MfaConfiguration: "OPTIONAL",
    });
    template.hasResourceProperties("AWS::Cognito::UserPoolGroup", { GroupName: "admin" });
    template.hasResourceProperties("AWS::Cognito::UserPoolClient", {
      GenerateSecret: false,
      ExplicitAuthFlows: Match.arrayWith(["ALLOW_USER_SRP_AUTH"]),
      PreventUserExistenceErrors: "ENABLED",
      // The dashboard's managed-login sign-in (test/web.test.ts): code flow only, no admin scope.
      AllowedOAuthFlows: ["code"],
      AllowedOAuthScopes: ["openid", "email"],
    });
  });

  it("gives the pool a V2_0 pre token generation trigger allowed exactly cognito-idp:AdminGetUser on that pool; MFA stays optional, TOTP only", () => {
    // Act
    const template = templatesFor({ name: "qa" }).stateful;

    // Assess: the trigger is the pre-token function, in the version whose overrides reach access tokens.
    const [fnId, fn] =
      Object.entries(
        template.findResources("AWS::Lambda::Function", {
          Properties: { Description: Match.stringLikeRegexp("pre token generation") },
        }),
      )[0] ?? [];
    if (!fnId || !fn) throw new Error("no pre token generation function");
    expect(fn.Properties.Environment.Variables).toMatchObject({ ADMIN_GROUP: "admin" });
    const [poolId, pool] = Object.entries(template.findResources("AWS::Cognito::UserPool"))[0] ?? [
      "",
      undefined,
    ];
    expect(pool?.Properties).toMatchObject({
      MfaConfiguration: "OPTIONAL",
      EnabledMfas: ["SOFTWARE_TOKEN_MFA"],
      LambdaConfig: {
        PreTokenGenerationConfig: { LambdaArn: { "Fn::GetAtt": [fnId, "Arn"] }, LambdaVersion: "V2_0" },
      },
    });
    expect(Object.keys(pool?.Properties.LambdaConfig ?? {})).toEqual(["PreTokenGenerationConfig"]);
    template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": [fnId, "Arn"] },
      Principal: "cognito-idp.amazonaws.com",
      SourceArn: { "Fn::GetAtt": [poolId, "Arn"] },
    });

    // Every statement of every policy on the function's role: its log group, and AdminGetUser on the pool.
    const roleId = (fn.Properties.Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const statements = Object.values(template.findResources("AWS::IAM::Policy"))
      .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>);
    expect(statements).toHaveLength(2);
    expect(statements).toContainEqual({
      Action: "cognito-idp:AdminGetUser",
      Effect: "Allow",
      Resource: { "Fn::GetAtt": [poolId, "Arn"] },
    });
    expect(statements.filter((st) => JSON.stringify(st.Action).includes("cognito-idp"))).toHaveLength(1);
    expect(statements.find((st) => st.Action !== "cognito-idp:AdminGetUser")?.Action).toEqual([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
    ]);
  });

  it("turns Cognito threat protection on (Plus plan) in prod and where a stage says so, off elsewhere", () => {
    const plan = (overrides: Parameters<typeof templatesFor>[0]) =>
      Object.values(templatesFor(overrides).stateful.findResources("AWS::Cognito::UserPool"))[0]?.Properties;

    expect(plan({ name: "prod", kind: "prod", removalPolicy: "retain" })).toMatchObject({
      UserPoolTier: "PLUS",
      UserPoolAddOns: { AdvancedSecurityMode: "ENFORCED" },
    });
    expect(plan({ name: "qa", threatProtection: "audit" })).toMatchObject({
      UserPoolTier: "PLUS",
      UserPoolAddOns: { AdvancedSecurityMode: "AUDIT" },
    });
    const dev = plan({ name: "qa" });
    expect(dev?.UserPoolTier).toBe("ESSENTIALS");
    expect(dev?.UserPoolAddOns).toBeUndefined();
  });

  it("has an app secret generated by CloudFormation under the name the apikey CLI reads", () => {
    const template = templatesFor({ name: "qa" }).stateful;
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      Name: "meridian/qa/app-secret",
      GenerateSecretString: {
        PasswordLength: 64,
        ExcludePunctuation: true,
        SecretStringTemplate: Match.absent(),
      },
      SecretString: Match.absent(),
    });
  });

  it("retains tables, secret and user pool in prod, with deletion protection", () => {
    const template = templatesFor(PROD).stateful;
    for (const type of ["AWS::DynamoDB::Table", "AWS::SecretsManager::Secret", "AWS::Cognito::UserPool"]) {
      const resources = Object.values(template.findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      for (const r of resources)
        expect(r).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    }
    template.allResourcesProperties("AWS::DynamoDB::Table", { DeletionProtectionEnabled: true });
    template.hasResourceProperties("AWS::Cognito::UserPool", { DeletionProtection: "ACTIVE" });
  });

  it("destroys tables, secret and user pool with a dev stack", () => {
    const template = templatesFor({}).stateful;
    for (const type of ["AWS::DynamoDB::Table", "AWS::SecretsManager::Secret", "AWS::Cognito::UserPool"]) {
      for (const r of Object.values(template.findResources(type))) {
        expect(r).toMatchObject({ DeletionPolicy: "Delete", UpdateReplacePolicy: "Delete" });
      }
    }
    template.allResourcesProperties("AWS::DynamoDB::Table", { DeletionProtectionEnabled: false });
  });

  it("retains the function and access log groups in prod and deletes them in dev", () => {
    const prod = templatesFor(PROD).stateless;
    const dev = templatesFor({}).stateless;
    for (const r of Object.values(prod.findResources("AWS::Logs::LogGroup"))) {
      expect(r).toMatchObject({ DeletionPolicy: "Retain" });
    }
    for (const r of Object.values(dev.findResources("AWS::Logs::LogGroup"))) {
      expect(r).toMatchObject({ DeletionPolicy: "Delete" });
    }
  });
});
