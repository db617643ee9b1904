import { createDocumentClient, DynamoApiKeyStore, DynamoEpochStore } from "@meridian/adapters";
import { type AppDeps, createApp, type MeridianApp } from "@meridian/api";
import { ApiKeyHasher, createCursorCodec } from "@meridian/core";
import type { RuntimeConfig } from "./config.ts";

export type FrontDoor = Pick<AppDeps, "clientIp" | "logger" | "frontDoorRequestId">;

/**
 * Wires the one app to DynamoDB. Lambda and the sandbox both call this; only the front door differs
 * (how the caller IP and request id are found, how lines are logged).
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
    hasher: new ApiKeyHasher(config.appSecret),
    cursors: createCursorCodec(config.appSecret),
    apiKeyCacheTtlMs: config.apiKeyCacheTtlMs,
  });
}
