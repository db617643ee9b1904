import {
  createDocumentClient,
  DynamoApiKeyStore,
  DynamoCatalogStore,
  DynamoEpochStore,
  DynamoMetricsSource,
  DynamoOrderStore,
} from "@meridian/adapters";
import { type AppDeps, createApp, type MeridianApp } from "@meridian/api";
import {
  ApiKeyHasher,
  createCursorCodec,
  createLogger,
  type Logger,
  MetricsEmitter,
  SERVICE,
  systemClock,
} from "@meridian/core";
import type { DynamoDBStreamHandler } from "aws-lambda";
import { createRemoteJWKSet } from "jose";
import type { MetricsJobConfig, OrderStreamConfig, RuntimeConfig } from "./config.ts";
import { runMetricsJob } from "./metrics-job/publish.ts";
import { processOrderBatch } from "./order-stream/process-batch.ts";

export type FrontDoor = Pick<AppDeps, "clientIp" | "frontDoorRequestId"> &
  Partial<Pick<AppDeps, "logger" | "metrics">>;

/** Where a function's logs and metrics go: JSON lines and EMF on stdout unless the sandbox says otherwise. */
export interface Telemetry {
  logger?: Logger;
  metrics?: MetricsEmitter;
}

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
    logger: frontDoor.logger ?? createLogger({ service: SERVICE.http, level: config.logLevel }),
    metrics: frontDoor.metrics ?? new MetricsEmitter(),
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
  telemetry: Telemetry = {},
): DynamoDBStreamHandler {
  const db = createDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region });
  const deps = {
    orders: new DynamoOrderStore(db, config.tables.orders, config.tables.catalog),
    clock: systemClock,
    logger: telemetry.logger ?? createLogger({ service: SERVICE.orderStream, level: config.logLevel }),
    metrics: telemetry.metrics ?? new MetricsEmitter(),
  };
  return (event) => processOrderBatch(deps, event);
}

/** Wires the scheduled metrics job; Lambda (EventBridge) and the sandbox's scheduler both use it. */
export function createMetricsJobHandler(config: MetricsJobConfig, telemetry: Telemetry = {}) {
  const db = createDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region });
  const deps = {
    source: new DynamoMetricsSource(db, config.tables),
    clock: systemClock,
    logger: telemetry.logger ?? createLogger({ service: SERVICE.metricsJob, level: config.logLevel }),
    metrics: telemetry.metrics ?? new MetricsEmitter(),
    intervalMs: config.intervalMs,
  };
  return async () => {
    await runMetricsJob(deps);
  };
}
