import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";

/**
 * Physical table names for a deployment: `<prefix>-epochs`, `-api-keys`, `-catalog`, `-orders`.
 * The CDK app and the sandbox both take their key schemas from `tableDefinitions`.
 */
export interface TableNames {
  epochs: string;
  apiKeys: string;
  catalog: string;
  orders: string;
}

export function tableNames(prefix: string): TableNames {
  return {
    epochs: `${prefix}-epochs`,
    apiKeys: `${prefix}-api-keys`,
    catalog: `${prefix}-catalog`,
    orders: `${prefix}-orders`,
  };
}

/** Attribute holding the expiry (seconds since 1970) of short-lived items; TTL is enabled on it. */
export const TTL_ATTRIBUTE = "expiresAt";

/** Key schemas, shared by the sandbox (CreateTable) and the CDK app. */
export const tableDefinitions = {
  /** Epochs by shard and id; `byKey` (keyShard, sk) lists one API key's epochs, all attributes, sparse. */
  epochs: {
    partitionKey: "pk",
    sortKey: "sk",
    indexes: { byKey: { partitionKey: "keyShard", sortKey: "sk", projection: "ALL" } },
  },
  apiKeys: { partitionKey: "id" },
  /** Products by id; `byKind` (kind, id) lists them in creation order, keys only. */
  catalog: {
    partitionKey: "id",
    indexes: { byKind: { partitionKey: "kind", sortKey: "id", projection: "KEYS_ONLY" } },
  },
  /** Orders (and idempotency records) by pk; the stream carries new and old images to the processor. */
  orders: {
    partitionKey: "pk",
    stream: "NEW_AND_OLD_IMAGES",
    indexes: {
      byCustomer: { partitionKey: "customerId", sortKey: "id", projection: "ALL" },
      byStatus: { partitionKey: "status", sortKey: "id", projection: "ALL" },
    },
  },
} as const;

export function createTableInputs(names: TableNames): CreateTableCommandInput[] {
  return [
    {
      TableName: names.epochs,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
        { AttributeName: "keyShard", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
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
    },
    {
      TableName: names.apiKeys,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
    },
    {
      TableName: names.catalog,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "id", AttributeType: "S" },
        { AttributeName: "kind", AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
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
    },
    {
      TableName: names.orders,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "id", AttributeType: "S" },
        { AttributeName: "customerId", AttributeType: "S" },
        { AttributeName: "status", AttributeType: "S" },
      ],
      KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: "NEW_AND_OLD_IMAGES" },
      GlobalSecondaryIndexes: (["byCustomer", "byStatus"] as const).map((IndexName) => ({
        IndexName,
        KeySchema: [
          { AttributeName: IndexName === "byCustomer" ? "customerId" : "status", KeyType: "HASH" as const },
          { AttributeName: "id", KeyType: "RANGE" as const },
        ],
        Projection: { ProjectionType: "ALL" as const },
      })),
    },
  ];
}
