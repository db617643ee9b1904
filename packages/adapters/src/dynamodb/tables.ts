import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * Physical table names for a deployment: `<prefix>-epochs` and `<prefix>-api-keys`.
 * The CDK app and the sandbox both take their key schemas from `tableDefinitions`.
 */
export interface TableNames {
  epochs: string;
  apiKeys: string;
}

export function tableNames(prefix: string): TableNames {
  return { epochs: `${prefix}-epochs`, apiKeys: `${prefix}-api-keys` };
}

/** Attribute holding the expiry (seconds since 1970) of short-lived items; TTL is enabled on it. */
export const TTL_ATTRIBUTE = "expiresAt";

/** Key schemas, shared by the sandbox (CreateTable) and the CDK app. */
export const tableDefinitions = {
  epochs: { partitionKey: "pk", sortKey: "sk" },
  apiKeys: { partitionKey: "id" },
} as const;

export function createTableInputs(names: TableNames): CreateTableCommandInput[] {
  return [
    {
      TableName: names.epochs,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    },
    {
      TableName: names.apiKeys,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    },
  ];
}
