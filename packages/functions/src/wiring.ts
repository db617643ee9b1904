import {
  createDocumentClient,
  DynamoApiKeyStore,
  DynamoCatalogStore,
  DynamoEpochStore,
  DynamoOrderStore,
} from "@meridian/adapters";
import { type AppDeps, createApp, type MeridianApp } from "@meridian/api";
import { ApiKeyHasher, createCursorCodec, systemClock } from "@meridian/core";
import type { DynamoDBStreamHandler } from "aws-lambda";
import { createRemoteJWKSet } from "jose";
import type { OrderStreamConfig, RuntimeConfig } from "./config.ts";
import { processOrderBatch } from "./order-stream/process-batch.ts";

export type FrontDoor = Pick<AppDeps, "clientIp" | "logger" | "frontDoorRequestId">;

/**
 * Wires the one app to DynamoDB and the token issuer. Lambda and the sandbox both call this; only the
 * front door differs (how the caller IP and request id are found, how lines are logged).
 */
export function createMeridianApp(
  config: RuntimeConfig & { appSecret: string },
  frontDoor: FrontDoor,
): MeridianApp {
  const db = createDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region });
  return createApp({
    ...frontDoor,
    epochs: new DynamoEpochStore(db, config.tables.epochs),
    apiKeys: new DynamoApiKeyStore(db, config.tables.apiKeys),
    catalog: new DynamoCatalogStore(db, config.tables.catalog),
    orders: new DynamoOrderStore(db, config.tables.orders, config.tables.catalog),
    hasher: new ApiKeyHasher(config.appSecret),
    cursors: createCursorCodec(config.appSecret),
    apiKeyCacheTtlMs: config.apiKeyCacheTtlMs,
    jwt: {
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      adminGroup: config.jwt.adminGroup,
      // Keys are fetched on first use and cached (jose refreshes them on an unknown kid).
      keys: createRemoteJWKSet(new URL(`${config.jwt.issuer}/.well-known/jwks.json`)),
    },
  });
}

/** Wires the order stream processor; the Lambda entry point and the sandbox's stream runner both use it. */
export function createOrderStreamHandler(
  config: OrderStreamConfig,
  log: (entry: Record<string, unknown>) => void = (entry) => console.log(JSON.stringify(entry)),
): DynamoDBStreamHandler {
  const db = createDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region });
  const deps = {
    orders: new DynamoOrderStore(db, config.tables.orders, config.tables.catalog),
    clock: systemClock,
    log,
  };
  return (event) => processOrderBatch(deps, event);
}
