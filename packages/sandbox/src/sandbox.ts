import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createDocumentClient, DynamoApiKeyStore, ensureTables, tableNames } from "@meridian/adapters";
import type { AppContext, AppLogger } from "@meridian/api";
import { ApiKeyHasher, createApiKey, generateApiKey, systemClock } from "@meridian/core";
import { createMeridianApp, type RuntimeConfig } from "@meridian/functions";
import { type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb-local.ts";
import { SandboxHome } from "./home.ts";
import { prettyLogger } from "./pretty-logger.ts";

export interface SandboxOptions {
  /** Port for the API on 127.0.0.1; 0 picks a free one. Default 3000. */
  port?: number;
  /** State directory; `null` keeps nothing (in-memory DynamoDB, fresh secrets). Default `.meridian`. */
  home?: string | null;
  /** Use this DynamoDB instead of starting DynamoDB Local. */
  dynamodbEndpoint?: string;
  /** Table name prefix. Default `meridian-local`. */
  tablePrefix?: string;
  /** Register this development API key instead of a generated one. */
  devApiKey?: string;
  /** Seconds a looked-up API key stays cached; default 30. */
  apiKeyCacheTtlSeconds?: number;
  logger?: AppLogger;
}

export interface Sandbox {
  url: string;
  port: number;
  devApiKey: string;
  dynamodbEndpoint: string;
  /** Pid of the DynamoDB Local JVM this sandbox started, if any. */
  dynamodbPid?: number;
  config: RuntimeConfig & { appSecret: string };
  stop(): Promise<void>;
}

export function nodeClientIp(c: AppContext): string {
  return getConnInfo(c).remote.address ?? "unknown";
}

/**
 * Starts the local platform: DynamoDB Local (unless an endpoint is given), the tables, the development
 * API key, and the HTTP API on 127.0.0.1. Everything started here is stopped by `stop()`.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const home = new SandboxHome(
    options.home === null ? undefined : (options.home ?? join(process.cwd(), ".meridian")),
  );
  const engine = options.dynamodbEndpoint ? undefined : await startDynamoDbLocal({ dbPath: home.dbPath });
  const endpoint = options.dynamodbEndpoint ?? (engine as DynamoDbLocal).endpoint;

  try {
    const tables = tableNames(options.tablePrefix ?? "meridian-local");
    const config: RuntimeConfig & { appSecret: string } = {
      tables,
      appSecret: home.appSecret(),
      dynamodbEndpoint: endpoint,
      apiKeyCacheTtlMs: (options.apiKeyCacheTtlSeconds ?? 30) * 1000,
    };
    const db = createDocumentClient({ endpoint });
    await ensureTables(db, tables);

    const devApiKey = options.devApiKey ?? home.remember("dev-api-key", generateApiKey);
    const hasher = new ApiKeyHasher(config.appSecret);
    const apiKeys = new DynamoApiKeyStore(db, tables.apiKeys);
    if (!(await apiKeys.findById(hasher.idOf(hasher.hash(devApiKey))))) {
      await createApiKey({ apiKeys, hasher, clock: systemClock }, { name: "development", key: devApiKey });
    }

    const app = createMeridianApp(config, {
      clientIp: nodeClientIp,
      logger: options.logger ?? prettyLogger(),
    });
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: options.port ?? 3000 });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    const port = (server.address() as AddressInfo).port;

    return {
      url: `http://127.0.0.1:${port}`,
      port,
      devApiKey,
      dynamodbEndpoint: endpoint,
      dynamodbPid: engine?.pid,
      config,
      stop: async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        });
        db.destroy();
        await engine?.stop();
      },
    };
  } catch (error) {
    await engine?.stop();
    throw error;
  }
}
