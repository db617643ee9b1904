import { randomUUID } from "node:crypto";
import {
  createDocumentClient,
  DynamoApiKeyStore,
  DynamoCatalogStore,
  DynamoEpochStore,
  DynamoImageStore,
  DynamoOrderStore,
  ensureTables,
  lazyImagesBucket,
  tableNames,
} from "@meridian/adapters";
import { ApiKeyHasher, createApiKey, createCursorCodec, createLogger, systemClock } from "@meridian/core";
import { inject } from "vitest";
import { type AppDeps, createApp, type MeridianApp } from "../../src/index.ts";

const SECRET = "api-tests-app-secret-0123456789abcdef";

/**
 * The app as every host builds it, on the run's DynamoDB Local with tables of its own and one API key, for
 * tests of the API's behaviour through `app.request()`. Sign-in points at an issuer nobody runs (routes
 * that need a token answer 401), the images bucket at a port nothing listens on. `overrides` replaces any
 * of the app's dependencies (a test's CORS origins, a store that cannot be reached).
 */
export async function appOnDynamoDbLocal(
  overrides: Partial<AppDeps> = {},
): Promise<{ app: MeridianApp; key: string; close(): void }> {
  const db = createDocumentClient({ endpoint: inject("dynamodbEndpoint") });
  const tables = tableNames(`api-${randomUUID().slice(0, 8)}`);
  await ensureTables(db, tables);
  const hasher = new ApiKeyHasher(SECRET);
  const apiKeys = new DynamoApiKeyStore(db, tables.apiKeys);
  const { key } = await createApiKey({ apiKeys, hasher, clock: systemClock }, { name: "api tests" });
  const issuer = "http://127.0.0.1:9/issuer";
  const app = createApp({
    epochs: new DynamoEpochStore(db, tables.epochs),
    apiKeys,
    catalog: new DynamoCatalogStore(db, tables.catalog),
    orders: new DynamoOrderStore(db, tables.orders, tables.catalog),
    images: new DynamoImageStore(db, tables.catalog),
    imagesBucket: lazyImagesBucket({ bucket: "api-tests", endpoint: "http://127.0.0.1:9" }),
    jwt: { issuer, audience: "api-tests", jwksUrl: new URL(`${issuer}/.well-known/jwks.json`) },
    hasher,
    // GET /metrics needs a token (401 here); its readers are tested in adapters and sandbox.
    metrics: { read: () => Promise.reject(new Error("no metrics store in the API tests")) },
    cursors: createCursorCodec(SECRET),
    clientIp: () => "192.0.2.1",
    logger: createLogger({ service: "http", sink: () => {} }),
    apiKeyCacheTtlMs: 0,
    ...overrides,
  });
  return { app, key, close: () => db.destroy() };
}
