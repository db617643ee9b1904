import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { serve } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import {
  createDocumentClient,
  DynamoApiKeyStore,
  ensureTables,
  LOCAL_CREDENTIALS,
  type LocalCredentials,
  lazyImagesBucket,
  tableNames,
} from "@meridian/adapters";
import { type AppContext, errorBody } from "@meridian/api";
import {
  ApiKeyHasher,
  BUDGETS,
  createApiKey,
  createLogger,
  DASHBOARD_BASE,
  DASHBOARD_SCOPE,
  DEFAULT_ORDER_LIMITS,
  dashboardContentSecurityPolicy,
  type EmfDocument,
  generateApiKey,
  type ImageContentType,
  type LogLevel,
  type LogSink,
  MetricsEmitter,
  type MetricsSink,
  type OrderLimits,
  SERVICE,
  stdoutMetricsSink,
  systemClock,
} from "@meridian/core";
import {
  createImageProcessorHandler,
  createMeridianApp,
  createMetricsJobHandler,
  createOrderStreamHandler,
  orderStreamMapping,
  type RuntimeConfig,
} from "@meridian/functions";
import type { S3Event } from "aws-lambda";
import { getPath } from "hono/utils/url";
import { answerClientErrors } from "./client-errors.ts";
import { DEFAULT_DASHBOARD_DIR, dashboardRoutes, RELOAD_PATH, ReloadHub } from "./dashboard/serve.ts";
import { type DashboardWatcher, watchDashboard } from "./dashboard/watch.ts";
import {
  type EngineEvent,
  type EngineStatus,
  type RestartPolicy,
  type SupervisedDynamoDbLocal,
  superviseDynamoDbLocal,
} from "./dynamodb/index.ts";
import {
  type AsyncInvoker,
  EVENTS_PATH,
  listAsyncFailures,
  redriveAsyncFailures,
  startAsyncInvoker,
} from "./events/async-invoker.ts";
import { SandboxHome } from "./home.ts";
import { ISSUER_PATH, LOCAL_AUDIENCE, type LocalIssuerKey, loadIssuerKey, sandboxRoutes } from "./issuer.ts";
import { MetricsCollector } from "./metrics-collector.ts";
import { oidcRoutes } from "./oidc/index.ts";
import { prettySink } from "./pretty-logger.ts";
import { type AppFactories, type AppWatcher, type ReloadEvent, watchApp } from "./reload/index.ts";
import { type S3Store, startS3Store } from "./s3/index.ts";
import { type StreamRunner, startStreamRunner } from "./streams/index.ts";

/** The DynamoDB a user pointed the sandbox at (DYNAMODB_ENDPOINT) does not answer. */
export class ExternalDynamoDbUnreachableError extends Error {
  constructor(endpoint: string, code: string) {
    super(
      `DynamoDB at ${endpoint} (DYNAMODB_ENDPOINT) does not answer (${code}): start it there, or unset ` +
        "DYNAMODB_ENDPOINT and the sandbox runs its own DynamoDB Local.",
    );
    this.name = "ExternalDynamoDbUnreachableError";
  }
}

/** The sandbox's images bucket, in its own S3 store. */
export const IMAGES_BUCKET = "meridian-local-images";
/** Where the sandbox serves renditions publicly, as the CDN does in AWS. */
export const IMAGES_PATH = "/_sandbox/images";
const RENDITION_KEY = /^products\/[0-9a-f-]{36}\/images\/[0-9a-f-]{36}\/[0-9a-f-]{36}\/[\w.-]+\.webp$/;

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
  /** What one customer may order; each one left out is the default (DEFAULT_ORDER_LIMITS). */
  orderLimits?: Partial<OrderLimits>;
  /** Where every function's log entries go. Default: one readable line each on stdout. */
  logSink?: LogSink;
  /** Log level of the functions. Default INFO. */
  logLevel?: LogLevel;
  /** Also print each EMF metrics document (they are always collected for `/_sandbox/metrics`). */
  printMetrics?: boolean;
  /** Also hand each EMF document to this sink (tests). */
  metricsSink?: MetricsSink;
  /** Period of the scheduled metrics job in seconds; 0 turns it off. Default 60 (5 minutes in AWS). */
  metricsJobPeriodSeconds?: number;
  /** Run the order stream processor. Default true. */
  streams?: boolean;
  /** Run the S3 store and the image processor (product images). Default true. */
  images?: boolean;
  /** Waits before the image processor's retries (Lambda: 1 and 2 minutes). Default 1 s and 2 s. */
  imageRetryDelaysMs?: readonly number[];
  /** Stream polling interval (ms); default 250, as Lambda. */
  streamPollIntervalMs?: number;
  /**
   * The web dashboard at `/app/`: served from `dir` (default packages/web/dist, `npm run build:web`); with
   * `watch` (what `npm start` does) built now (into `dir`, from `sources`: default packages/web) and
   * rebuilt on change, the open page reloading itself.
   * `false`: no dashboard. Default: the built one, if any.
   */
  dashboard?: false | { dir?: string; watch?: boolean; sources?: string };
  /** When the sandbox restarts its DynamoDB Local after a crash (tests shorten it). */
  engineRestart?: Partial<RestartPolicy>;
  /** Also hand each engine event (exit, restart, giving up) to this function; each is logged anyway. */
  onEngineEvent?: (event: EngineEvent) => void;
  /**
   * Rebuild the app and the functions' handlers when a source under packages/{core,adapters,api,functions}/src
   * changes (what `npm start` does), keeping the engine, the S3 store and all state. `packagesDir`: watch
   * and build a copy of the sources instead (tests). Each reload is logged; `onReload` hears it too.
   */
  reload?: { packagesDir?: string; onReload?: (event: ReloadEvent) => void };
}

export interface Sandbox {
  url: string;
  port: number;
  devApiKey: string;
  dynamodbEndpoint: string;
  /** What the sandbox signs with there: its home's own key for its own engine, `local` for an external one. */
  dynamodbCredentials: LocalCredentials;
  /** Pid of the DynamoDB Local JVM this sandbox started first, if any (it changes when it is restarted). */
  dynamodbPid?: number;
  /** The state of the DynamoDB Local this sandbox runs (also at `GET /_sandbox/health`); none for an external one. */
  dynamodbStatus?: () => EngineStatus;
  config: RuntimeConfig & { appSecret: string };
  /** The local token issuer's signing key (see `signLocalToken`). */
  issuerKey: LocalIssuerKey;
  /** The S3 store holding product images (when images are on): its endpoint, bucket and key pair. */
  s3?: { endpoint: string; bucket: string; credentials: LocalCredentials };
  /** The image processor's event runner (for `idle()` in tests), when images are on. */
  imageEvents?: AsyncInvoker<S3Event>;
  /**
   * The order stream runner (for `drain()` in tests and benchmarks), when streams are on. It follows the
   * orders table's stream when a restarted in-memory engine re-creates the table.
   */
  orderStream?: StreamRunner;
  stop(): Promise<void>;
}

/** The documented 503 for a request the sandbox answers itself: the app's error body, a request id. */
function unavailable(message: string): Response {
  const requestId = randomUUID();
  const body = errorBody(requestId, { code: "SERVICE_UNAVAILABLE", message });
  return Response.json(body, {
    status: 503,
    headers: { "retry-after": String(BUDGETS.http.retryAfterSeconds), "x-request-id": requestId },
  });
}

export function nodeClientIp(c: AppContext): string {
  return getConnInfo(c).remote.address ?? "unknown";
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
  const logSink = options.logSink ?? prettySink();
  const log = createLogger({ service: "sandbox", level: options.logLevel, sink: logSink });
  const tables = tableNames(options.tablePrefix ?? "meridian-local");
  const appSecret = home.appSecret();
  const devApiKey = options.devApiKey ?? home.remember("dev-api-key", generateApiKey);
  // The state directory's text: a plain secret, or the JSON ring `npm run app-secret` writes.
  const hasher = new ApiKeyHasher(appSecret);
  const devKeyVersion = hasher.versionOf(devApiKey);
  if (!hasher.accepts(devKeyVersion)) {
    throw new Error(
      `The development API key was issued under app secret version ${devKeyVersion}, which the sandbox's ` +
        "app secret no longer holds: delete dev-api-key in the state directory for a new key, " +
        "or set MERIDIAN_DEV_API_KEY.",
    );
  }
  /** The tables and the development key: at start, and again after an in-memory engine restarted empty. */
  const prepare = async (db: ReturnType<typeof createDocumentClient>) => {
    await ensureTables(db, tables);
    const apiKeys = new DynamoApiKeyStore(db, tables.apiKeys);
    if (!(await apiKeys.findById(hasher.idOf(hasher.hash(devApiKey))))) {
      await createApiKey({ apiKeys, hasher, clock: systemClock }, { name: "development", key: devApiKey });
    }
  };
  // What a restarted engine needs from the sandbox; set below, once everything it uses exists.
  let afterEngineRestart = async () => {};
  // Our own engine gets this home's own key (a stranger's opens an empty database); a DynamoDB someone
  // else runs (DYNAMODB_ENDPOINT, the test run's engine) keeps the fixed `local` one.
  const credentials = options.dynamodbEndpoint ? undefined : home.dynamodbCredentials();
  if (credentials && home.adoptLegacyDatabase(credentials.accessKeyId)) {
    log.info("DynamoDB Local's data of earlier sandboxes (key `local`) now belongs to this home's own key");
  }
  const engine: SupervisedDynamoDbLocal | undefined = options.dynamodbEndpoint
    ? undefined
    : await superviseDynamoDbLocal({
        dbPath: home.dbPath,
        credentials,
        policy: options.engineRestart,
        onEvent: (event) => {
          log[event.level === "INFO" ? "info" : event.level === "WARN" ? "warn" : "error"](event.message);
          options.onEngineEvent?.(event);
        },
        afterRestart: () => afterEngineRestart(),
      });
  const firstPid = engine?.status().pid;
  const endpoint = options.dynamodbEndpoint ?? engine?.endpoint ?? "";
  const db = createDocumentClient({ endpoint, credentials });
  let server: ReturnType<typeof serve> | undefined;
  let orderStream: StreamRunner | undefined;
  let s3Store: S3Store | undefined;
  let imageEvents: AsyncInvoker<S3Event> | undefined;
  let schedule: NodeJS.Timeout | undefined;
  let dashboardWatcher: DashboardWatcher | undefined;
  let appWatcher: AppWatcher | undefined;
  let stopping = false;
  let followStream: (() => Promise<void>) | undefined;
  afterEngineRestart = async () => {
    await prepare(db);
    await followStream?.();
  };

  const stop = async () => {
    stopping = true;
    clearTimeout(schedule);
    await appWatcher?.close();
    await dashboardWatcher?.close();
    await orderStream?.stop();
    await imageEvents?.stop();
    await s3Store?.stop();
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
    await prepare(db).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (
        options.dynamodbEndpoint &&
        code &&
        /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)$/.test(code)
      )
        throw new ExternalDynamoDbUnreachableError(options.dynamodbEndpoint, code);
      throw error;
    });

    // Listen first: the issuer URL (in every token and in the API's config) contains the port.
    // Until the app is built (a few ms), requests get the documented 503 shape, with a request id.
    let handle: Fetch = () => unavailable("The sandbox is starting, retry");
    server = serve({
      fetch: (request, env) => handle(request, env),
      hostname: "127.0.0.1",
      port: options.port ?? 3000,
    });
    answerClientErrors(server, log);
    const listening = server;
    await new Promise<void>((resolve, reject) => {
      listening.once("listening", resolve);
      listening.once("error", reject);
    });
    const port = (listening.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;

    // The images bucket, in an S3-compatible store of the sandbox's own on loopback; renditions are served
    // publicly at IMAGES_PATH, as CloudFront serves them in AWS.
    const s3Credentials = home.s3Credentials();
    if (options.images !== false) {
      s3Store = await startS3Store({
        credentials: s3Credentials,
        dataDir: home.dir ? join(home.dir, "s3") : undefined,
        buckets: [IMAGES_BUCKET],
        // The dashboard at /app/ POSTs uploads straight to the store, as it does to the bucket in AWS.
        cors: [
          {
            allowedOrigins: [url, `http://localhost:${port}`],
            allowedMethods: ["POST"],
            maxAgeSeconds: 3600,
          },
        ],
        onError: (error, where) => log.error(`S3 store ${where}`, { error }),
      });
    }
    const images = s3Store && {
      bucket: IMAGES_BUCKET,
      endpoint: s3Store.endpoint,
      credentials: s3Credentials,
    };

    const config = {
      tables,
      appSecret,
      dynamodbEndpoint: endpoint,
      dynamodbCredentials: credentials,
      apiKeyCacheTtlMs: (options.apiKeyCacheTtlSeconds ?? 30) * 1000,
      orderLimits: { ...DEFAULT_ORDER_LIMITS, ...options.orderLimits },
      ...(images ? { images } : {}),
      jwt: { issuer: `${url}${ISSUER_PATH}`, audience: LOCAL_AUDIENCE, adminGroup: "admin" },
    };
    const issuerKey = loadIssuerKey(home);
    const collector = new MetricsCollector();
    const collect: MetricsSink = (document) => {
      collector.sink(document);
      options.metricsSink?.(document);
    };
    const metrics = new MetricsEmitter((document) => {
      collect(document);
      if (options.printMetrics) stdoutMetricsSink(document);
    });
    const telemetry = (service: string) => ({
      // A log entry with `_aws` is also an EMF document (each HTTP request's line): CloudWatch would take
      // its metrics from the line, so the collector does too.
      logger: createLogger({
        service,
        level: options.logLevel,
        sink: (entry) => {
          // The log sink prints the line; `printMetrics` would print the same JSON a second time.
          if (Array.isArray((entry._aws as { CloudWatchMetrics?: unknown } | undefined)?.CloudWatchMetrics))
            collect(entry as unknown as EmfDocument);
          logSink(entry);
        },
      }),
      metrics,
    });
    // What is built from the app's code: at start from the modules imported here, after an edit (reload)
    // from a fresh bundle of the sources. Each piece below adds how it builds its part.
    const rebuilds: ((factories: AppFactories) => void)[] = [];
    const factories: AppFactories = {
      createMeridianApp,
      createOrderStreamHandler,
      createImageProcessorHandler,
      createMetricsJobHandler,
    };
    const httpLogger = telemetry(SERVICE.http).logger;
    // GET /metrics reads the collector, as it reads CloudWatch in AWS.
    const buildApp = (from: AppFactories) =>
      from.createMeridianApp(config, {
        clientIp: nodeClientIp,
        logger: httpLogger,
        metrics: collector.reader(),
      });
    let app = buildApp(factories);
    rebuilds.push((from) => {
      app = buildApp(from);
    });
    const local = sandboxRoutes(issuerKey, collector);
    // Sign-in as Cognito's managed login does it (Authorization Code + PKCE), for the dashboard at /app/.
    local.route(
      "/",
      oidcRoutes({
        issuer: config.jwt.issuer,
        key: issuerKey,
        clients: [
          {
            clientId: LOCAL_AUDIENCE,
            redirectUris: [`${url}${DASHBOARD_BASE}callback`],
            logoutUris: [`${url}${DASHBOARD_BASE}`],
          },
        ],
      }),
    );
    local.get("/_sandbox/health", (c) => {
      const dynamodb = engine?.status() ?? { state: "external", endpoint };
      const up = dynamodb.state === "up" || dynamodb.state === "external";
      const streams = orderStream ? { orderStream: { streamArn: orderStream.streamArn } } : {};
      return c.json({ status: up ? "ok" : dynamodb.state, dynamodb, ...streams }, up ? 200 : 503);
    });
    if (images && s3Store) {
      const bucket = lazyImagesBucket({ ...images, budget: BUDGETS.tooling.call });
      // Only renditions: an upload still carries whatever metadata it came with.
      local.get(`${IMAGES_PATH}/*`, async (c) => {
        const key = getPath(c.req.raw).slice(IMAGES_PATH.length + 1);
        const bytes = RENDITION_KEY.test(key) ? await bucket.read(key) : undefined;
        if (!bytes)
          return c.json(errorBody(randomUUID(), { code: "NOT_FOUND", message: "No such image" }), 404);
        return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
          "content-type": "image/webp",
          "cache-control": "public, max-age=31536000, immutable",
          "x-content-type-options": "nosniff",
        });
      });
      const imageTelemetry = telemetry(SERVICE.imageProcessor);
      // sharp (native libvips) is loaded with the first upload, not at start.
      const processor = {
        process: async (bytes: Uint8Array, declared: ImageContentType) =>
          (await import("@meridian/adapters/images")).processUpload(bytes, declared),
      };
      const buildHandler = (from: AppFactories) =>
        from.createImageProcessorHandler(
          {
            tables: { catalog: tables.catalog },
            dynamodbEndpoint: endpoint,
            dynamodbCredentials: credentials,
            images: { ...images, publicUrl: `${url}${IMAGES_PATH}` },
          },
          processor,
          imageTelemetry,
        );
      let handler = buildHandler(factories);
      rebuilds.push((from) => {
        handler = buildHandler(from);
      });
      const eventsDir = home.dir
        ? join(home.dir, "events")
        : join(tmpdir(), `meridian-events-${process.pid}`);
      const events = startAsyncInvoker<S3Event>({
        name: SERVICE.imageProcessor,
        stateDir: eventsDir,
        handler: (event) => handler(event),
        retryDelaysMs: options.imageRetryDelaysMs,
        onAttempt: ({ requestId, attempt, error }) => {
          if (error) imageTelemetry.logger.warn("image processor failed", { requestId, attempt, error });
        },
      });
      imageEvents = events;
      // The on-failure destination, for `npm run dlq -- list|redrive --name image-processor`: redriven here,
      // where the processor is wired to this sandbox's store and tables.
      const failed = `${EVENTS_PATH}/${SERVICE.imageProcessor}`;
      local.get(failed, (c) => c.json(listAsyncFailures(eventsDir, SERVICE.imageProcessor)));
      local.post(`${failed}/redrive`, async (c) =>
        c.json(
          await redriveAsyncFailures<S3Event>(eventsDir, SERVICE.imageProcessor, (event) => handler(event)),
        ),
      );
      // S3's event notification: one invocation per object, as S3 sends them to Lambda.
      s3Store.onObjectCreated((record) => {
        if (record.s3.object.key.startsWith("products/") && record.s3.object.key.includes("/uploads/"))
          events.invoke({ Records: [record] });
      });
    }

    if (options.dashboard !== false) {
      const reload = options.dashboard?.watch ? new ReloadHub() : undefined;
      if (reload) {
        dashboardWatcher = await watchDashboard({
          root: options.dashboard?.sources,
          outDir: options.dashboard?.dir,
          onBuilt: (ms) => {
            log.info(`dashboard built in ${ms} ms`);
            reload.reload();
          },
          onError: (error) => log.error("dashboard build failed", { error }),
        });
      }
      const watcher = dashboardWatcher;
      local.route(
        "/",
        dashboardRoutes({
          dir: options.dashboard?.dir ?? DEFAULT_DASHBOARD_DIR,
          origin: url,
          config: {
            stage: "local",
            apiUrl: url,
            ...(images ? { imagesUrl: `${url}${IMAGES_PATH}` } : {}),
            auth: {
              authority: config.jwt.issuer,
              clientId: LOCAL_AUDIENCE,
              logoutUrl: `${config.jwt.issuer}/logout`,
              scope: DASHBOARD_SCOPE,
            },
            ...(reload ? { reloadUrl: RELOAD_PATH } : {}),
          },
          headers: {
            "content-security-policy": dashboardContentSecurityPolicy({
              connect: s3Store ? [s3Store.endpoint] : [],
              images: [],
            }),
            "x-frame-options": "DENY",
            "x-content-type-options": "nosniff",
            "referrer-policy": "strict-origin-when-cross-origin",
          },
          ...(watcher ? { building: () => watcher.building() } : {}),
          reload,
        }),
      );
    }

    handle = (request, env) => {
      // Hono's own path extraction (no URL object per request).
      const path = getPath(request);
      if (path.startsWith("/_sandbox/") || path === "/app" || path.startsWith(DASHBOARD_BASE))
        return local.fetch(request, env);
      // While the engine restarts, and until its tables and key are back, the API would answer 500 (no
      // table) or 401 (no key) for what is an outage: it answers 503, as for any unavailable dependency.
      // Liveness (`/health`) still answers: the process is alive.
      if (engine && !engine.isUp() && path !== "/health")
        return unavailable("DynamoDB Local is restarting, retry");
      return app.fetch(request, env);
    };

    if (options.streams !== false) {
      // The same processor Lambda runs, invoked under the same event source mapping rules.
      const { name, filters, ...mapping } = orderStreamMapping;
      const streamTelemetry = telemetry(SERVICE.orderStream);
      const buildHandler = (from: AppFactories) =>
        from.createOrderStreamHandler(
          { tables, dynamodbEndpoint: endpoint, dynamodbCredentials: credentials },
          streamTelemetry,
        );
      let current = buildHandler(factories);
      rebuilds.push((from) => {
        current = buildHandler(from);
      });
      // The runner keeps its position; each batch goes to the processor built last.
      const handler: typeof current = (event, context, callback) => current(event, context, callback);
      const startRunner = () =>
        startStreamRunner(
          {
            ...mapping,
            filters: [...filters],
            name,
            endpoint,
            credentials,
            tableName: tables.orders,
            stateDir: home.dir ? join(home.dir, "streams") : undefined,
            pollIntervalMs: options.streamPollIntervalMs,
            // While the engine restarts, the mapping waits for it instead of spending retries.
            availability: engine,
            onError: (error, where) => {
              // While the engine is down the supervisor has said so; each poll's failure would only repeat it.
              if (engine && engine.status().state !== "up") return;
              log.warn(`stream ${name} ${where}: ${error instanceof Error ? error.message : String(error)}`);
            },
          },
          handler,
        );
      let runner = await startRunner();
      // An in-memory engine restarts empty: the orders table is new, and so is its stream. Follow it.
      followStream = async () => {
        const { Table } = await db.send(new DescribeTableCommand({ TableName: tables.orders }));
        if (stopping || Table?.LatestStreamArn === runner.streamArn) return;
        await runner.stop();
        runner = await startRunner();
        if (stopping) await runner.stop();
      };
      orderStream = {
        get streamArn() {
          return runner.streamArn;
        },
        get discarded() {
          return runner.discarded;
        },
        stop: () => runner.stop(),
        drain: (timeoutMs) => runner.drain(timeoutMs),
      };
    }

    const periodSeconds = options.metricsJobPeriodSeconds ?? 60;
    if (periodSeconds > 0) {
      // The EventBridge schedule's stand-in: the same job, on a shorter period, aligned to the clock.
      const jobTelemetry = telemetry(SERVICE.metricsJob);
      const buildJob = (from: AppFactories) =>
        from.createMetricsJobHandler(
          {
            tables,
            dynamodbEndpoint: endpoint,
            dynamodbCredentials: credentials,
            intervalMs: periodSeconds * 1000,
          },
          jobTelemetry,
        );
      let job = buildJob(factories);
      rebuilds.push((from) => {
        job = buildJob(from);
      });
      // Each run is scheduled just after the next interval boundary.
      const untilNextInterval = () => periodSeconds * 1000 - (Date.now() % (periodSeconds * 1000)) + 50;
      const tick = () => {
        job().catch((error: unknown) => jobTelemetry.logger.error("metrics job failed", { error }));
        schedule = setTimeout(tick, untilNextInterval());
      };
      schedule = setTimeout(tick, untilNextInterval());
    }

    if (options.reload) {
      const { onReload } = options.reload;
      appWatcher = await watchApp({
        packagesDir: options.reload.packagesDir,
        swap: (from) => {
          for (const rebuild of rebuilds) rebuild(from);
        },
        onEvent: (event) => {
          if (event.kind === "reloaded") log.info(`reloaded ${event.file} in ${event.ms} ms`);
          else
            log.error(
              `${event.file} does not build; the last good app keeps serving:\n  ${event.errors.join("\n  ")}`,
            );
          onReload?.(event);
        },
      });
    }

    return {
      url,
      port,
      devApiKey,
      dynamodbEndpoint: endpoint,
      dynamodbCredentials: credentials ?? LOCAL_CREDENTIALS,
      dynamodbPid: firstPid,
      dynamodbStatus: engine ? () => engine.status() : undefined,
      config,
      issuerKey,
      orderStream,
      ...(images ? { s3: images } : {}),
      ...(imageEvents ? { imageEvents } : {}),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
