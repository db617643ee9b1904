import type {
  CreateTableCommandInput,
  KeySchemaElement,
  UpdateTimeToLiveCommandInput,
} from "@aws-sdk/client-dynamodb";

/**
 * Physical table names for a deployment: `<prefix>-epochs`, `-api-keys`, `-catalog`, `-orders`.
 * The CDK app and the sandbox both create the tables from `tableDefinitions`.
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

/** A global secondary index: its keys (strings) and what it copies. */
export interface IndexDefinition {
  partitionKey: string;
  sortKey?: string;
  projection: "ALL" | "KEYS_ONLY";
}

/**
 * A table as both the CDK app and the sandbox create it: every key attribute is a string (S), billing is on
 * demand. `timeToLiveAttribute` names the attribute DynamoDB expires items by (short-lived records).
 */
export interface TableDefinition {
  partitionKey: string;
  sortKey?: string;
  indexes?: Record<string, IndexDefinition>;
  stream?: "NEW_AND_OLD_IMAGES" | "NEW_IMAGE" | "OLD_IMAGE" | "KEYS_ONLY";
  timeToLiveAttribute?: string;
}

/** The tables, shared by the sandbox (`createTableInputs`, `timeToLiveInputs`) and the CDK app. */
export const tableDefinitions = {
  /** Epochs by shard and id; `byKey` (keyShard, sk) lists one API key's epochs, all attributes, sparse. */
  epochs: {
    partitionKey: "pk",
    sortKey: "sk",
    indexes: { byKey: { partitionKey: "keyShard", sortKey: "sk", projection: "ALL" } },
    // Idempotency records expire.
    timeToLiveAttribute: TTL_ATTRIBUTE,
  },
  apiKeys: { partitionKey: "id" },
  /** Products by id; `byKind` (kind, id) lists them in creation order, keys only. */
  catalog: {
    partitionKey: "id",
    indexes: { byKind: { partitionKey: "kind", sortKey: "id", projection: "KEYS_ONLY" } },
    // Idempotency records of product creates and stock changes expire.
    timeToLiveAttribute: TTL_ATTRIBUTE,
  },
  /** Orders (and idempotency records) by pk; the stream carries new and old images to the processor. */
  orders: {
    partitionKey: "pk",
    stream: "NEW_AND_OLD_IMAGES",
    indexes: {
      byCustomer: { partitionKey: "customerId", sortKey: "id", projection: "ALL" },
      byStatus: { partitionKey: "status", sortKey: "id", projection: "ALL" },
    },
    // Idempotency records and customers' daily allowances expire.
    timeToLiveAttribute: TTL_ATTRIBUTE,
  },
} as const satisfies Record<keyof TableNames, TableDefinition>;

const TABLES = Object.keys(tableDefinitions) as (keyof TableNames)[];

const keySchema = ({
  partitionKey,
  sortKey,
}: {
  partitionKey: string;
  sortKey?: string;
}): KeySchemaElement[] => [
  { AttributeName: partitionKey, KeyType: "HASH" },
  ...(sortKey ? [{ AttributeName: sortKey, KeyType: "RANGE" as const }] : []),
];

/** CreateTable of each table in `tableDefinitions`, under the names given. */
export function createTableInputs(names: TableNames): CreateTableCommandInput[] {
  return TABLES.map((key) => {
    const table: TableDefinition = tableDefinitions[key];
    const indexes = Object.entries(table.indexes ?? {});
    const keys = [table, ...indexes.map(([, index]) => index)].flatMap((k) => [k.partitionKey, k.sortKey]);
    const attributes = [...new Set(keys)].filter((name) => name !== undefined);
    return {
      TableName: names[key],
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: attributes.map((AttributeName) => ({ AttributeName, AttributeType: "S" })),
      KeySchema: keySchema(table),
      ...(table.stream && { StreamSpecification: { StreamEnabled: true, StreamViewType: table.stream } }),
      ...(indexes.length > 0 && {
        GlobalSecondaryIndexes: indexes.map(([IndexName, index]) => ({
          IndexName,
          KeySchema: keySchema(index),
          Projection: { ProjectionType: index.projection },
        })),
      }),
    };
  });
}

/** UpdateTimeToLive of each table in `tableDefinitions` with a `timeToLiveAttribute`. */
export function timeToLiveInputs(names: TableNames): UpdateTimeToLiveCommandInput[] {
  return TABLES.flatMap((key) => {
    const { timeToLiveAttribute }: TableDefinition = tableDefinitions[key];
    return timeToLiveAttribute
      ? [
          {
            TableName: names[key],
            TimeToLiveSpecification: { AttributeName: timeToLiveAttribute, Enabled: true },
          },
        ]
      : [];
  });
}
