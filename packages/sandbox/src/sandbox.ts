import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createDocumentClient, DynamoApiKeyStore, ensureTables, tableNames } from "@meridian/adapters";
import type { AppContext, AppLogger } from "@meridian/api";
import { ApiKeyHasher, createApiKey, generateApiKey, systemClock } from "@meridian/core";
import {
  createMeridianApp,
  createOrderStreamHandler,
  orderStreamMapping,
  type RuntimeConfig,
} from "@meridian/functions";
import { type DynamoDbLocal, startDynamoDbLocal } from "./dynamodb-local.ts";
import { SandboxHome } from "./home.ts";
import { ISSUER_PATH, LOCAL_AUDIENCE, type LocalIssuerKey, loadIssuerKey, sandboxRoutes } from "./issuer.ts";
import { prettyLogger } from "./pretty-logger.ts";
import { type StreamRunner, startStreamRunner } from "./streams/index.ts";

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
  /** Where the order processor's log lines go. Default: stdout, one JSON line each. */
  processorLog?: (entry: Record<string, unknown>) => void;
  /** Run the order stream processor. Default true. */
  streams?: boolean;
  /** Stream polling interval (ms); default 250, as Lambda. */
  streamPollIntervalMs?: number;
}

export interface Sandbox {
  url: string;
  port: number;
  devApiKey: string;
  dynamodbEndpoint: string;
  /** Pid of the DynamoDB Local JVM this sandbox started, if any. */
  dynamodbPid?: number;
  config: RuntimeConfig & { appSecret: string };
  /** The local token issuer's signing key (see `signLocalToken`). */
  issuerKey: LocalIssuerKey;
  /** The order stream runner (for `drain()` in tests and benchmarks), when streams are on. */
  orderStream?: StreamRunner;
  stop(): Promise<void>;
}

export function nodeClientIp(c: AppContext): string {
  return getConnInfo(c).remote.address ?? "unknown";
}

function prettyProcessorLog(entry: Record<string, unknown>): void {
  const time = new Date().toISOString().slice(11, 23);
  const detail = entry.outcome ? `${entry.outcome} lag=${entry.lagMs}ms` : `${entry.error}`;
  process.stdout.write(
    `${time} STREAM order ${entry.orderId ?? entry.sequenceNumber} ${detail} req=${entry.correlationId ?? "-"}\n`,
  );
}

type Fetch = (request: Request, env: Record<string, unknown>) => Response | Promise<Response>;

/**
 * Starts the local platform: DynamoDB Local (unless an endpoint is given), the tables, the development
 * API key, the token issuer and the HTTP API on 127.0.0.1. Everything started here is stopped by `stop()`.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const home = new SandboxHome(
    options.home === null ? undefined : (options.home ?? join(process.cwd(), ".meridian")),
  );
  const engine: DynamoDbLocal | undefined = options.dynamodbEndpoint
    ? undefined
    : await startDynamoDbLocal({ dbPath: home.dbPath });
  const endpoint = options.dynamodbEndpoint ?? engine?.endpoint ?? "";
  const db = createDocumentClient({ endpoint });
  let server: ReturnType<typeof serve> | undefined;
  let orderStream: StreamRunner | undefined;

  const stop = async () => {
    await orderStream?.stop();
    if (server) {
      const listening = server;
      await new Promise<void>((resolve) => {
        listening.close(() => resolve());
        (listening as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    }
    db.destroy();
    await engine?.stop();
  };

  try {
    const tables = tableNames(options.tablePrefix ?? "meridian-local");
    await ensureTables(db, tables);
    const appSecret = home.appSecret();
    const devApiKey = options.devApiKey ?? home.remember("dev-api-key", generateApiKey);
    const hasher = new ApiKeyHasher(appSecret);
    const apiKeys = new DynamoApiKeyStore(db, tables.apiKeys);
    if (!(await apiKeys.findById(hasher.idOf(hasher.hash(devApiKey))))) {
      await createApiKey({ apiKeys, hasher, clock: systemClock }, { name: "development", key: devApiKey });
    }

    // Listen first: the issuer URL (in every token and in the API's config) contains the port.
    let handle: Fetch = () => new Response("starting", { status: 503 });
    server = serve({
      fetch: (request, env) => handle(request, env),
      hostname: "127.0.0.1",
      port: options.port ?? 3000,
    });
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once("listening", resolve);
      listening.once("error", reject);
    });
    const port = (listening.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;

    const config = {
      tables,
      appSecret,
      dynamodbEndpoint: endpoint,
      apiKeyCacheTtlMs: (options.apiKeyCacheTtlSeconds ?? 30) * 1000,
      jwt: { issuer: `${url}${ISSUER_PATH}`, audience: LOCAL_AUDIENCE, adminGroup: "admin" },
    };
    const issuerKey = loadIssuerKey(home);
    const app = createMeridianApp(config, {
      clientIp: nodeClientIp,
      logger: options.logger ?? prettyLogger(),
    });
    const local = sandboxRoutes(issuerKey);
    handle = (request, env) =>
      new URL(request.url).pathname.startsWith("/_sandbox/")
        ? local.fetch(request, env)
        : app.fetch(request, env);

    if (options.streams !== false) {
      // The same processor Lambda runs, invoked under the same event source mapping rules.
      const { name, filters, ...mapping } = orderStreamMapping;
      orderStream = await startStreamRunner(
        {
          ...mapping,
          filters: [...filters],
          name,
          endpoint,
          tableName: tables.orders,
          stateDir: home.dir ? join(home.dir, "streams") : undefined,
          pollIntervalMs: options.streamPollIntervalMs,
        },
        createOrderStreamHandler(
          { tables, dynamodbEndpoint: endpoint },
          options.processorLog ?? prettyProcessorLog,
        ),
      );
    }

    return {
      url,
      port,
      devApiKey,
      dynamodbEndpoint: endpoint,
      dynamodbPid: engine?.pid,
      config,
      issuerKey,
      orderStream,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
