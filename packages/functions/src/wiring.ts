import {
  cloudWatchMetrics,
  createCommandClient,
  createDocumentClient,
  DynamoApiKeyStore,
  DynamoCatalogStore,
  DynamoEpochStore,
  DynamoImageStore,
  DynamoMetricsSource,
  DynamoOrderStore,
  lazyImagesBucket,
} from "@meridian/adapters";
import { type AppDeps, createApp, type MeridianApp } from "@meridian/api";
import {
  ApiKeyHasher,
  type AppSecret,
  BUDGETS,
  type CallBudget,
  createCursorCodec,
  createLogger,
  DependencyUnavailableError,
  type ImageObjects,
  type ImageProcessor,
  ImageUploadsNotConfiguredError,
  type Logger,
  MetricsEmitter,
  processUploadedImage,
  SERVICE,
  systemClock,
  type UploadSigner,
  uuidV7Generator,
  withinBudget,
} from "@meridian/core";
import type { DynamoDBStreamHandler, Context as LambdaContext, S3Event } from "aws-lambda";
import type {
  DataConfig,
  ImageProcessorConfig,
  MetricsJobConfig,
  OrderStreamConfig,
  RuntimeConfig,
} from "./config.ts";
import { runMetricsJob } from "./metrics-job/publish.ts";
import { reserveStockForBatch } from "./order-stream/reserve-batch.ts";
import { noTracing, type Tracing } from "./tracing/tracing.ts";

/** Where a function's logs, metrics and traces go: JSON lines and EMF on stdout, no traces, unless told. */
export interface Telemetry {
  logger?: Logger;
  metrics?: MetricsEmitter;
  /** From `loadTracing`; the DynamoDB client is instrumented with it and use cases run in its subsegments. */
  tracing?: Tracing;
}

/**
 * What the HTTP app takes from the process that hosts it (the Lambda handler, the sandbox's server): how the
 * caller's IP and request id are found, how routes are matched, where logs and traces go, and where
 * `GET /metrics` reads (the sandbox's collector; CloudWatch when unset). No metrics
 * emitter: each request's metrics travel in its log entry (one line that is also an EMF document, see
 * `observeRequests`). (A `FrontDoor`, in the CDK app, is what stands in front: HTTP API, REST API or ALB.)
 */
export type HostBindings = Pick<AppDeps, "clientIp" | "frontDoorRequestId" | "router"> &
  Partial<Pick<AppDeps, "metrics">> &
  Pick<Telemetry, "logger" | "tracing">;

function clientOptions(config: DataConfig, budget: CallBudget, tracing: Tracing = noTracing) {
  return {
    endpoint: config.dynamodbEndpoint,
    credentials: config.dynamodbCredentials,
    region: config.region,
    budget,
    instrument: <C>(client: C) => tracing.captureClient(client),
  };
}

/** The images bucket of a deployment that has none: every use answers 501 IMAGE_UPLOADS_NOT_CONFIGURED. */
const noImagesBucket: UploadSigner & ImageObjects = {
  presignPost: () => Promise.reject(new ImageUploadsNotConfiguredError()),
  read: () => Promise.reject(new ImageUploadsNotConfiguredError()),
  write: () => Promise.reject(new ImageUploadsNotConfiguredError()),
  deletePrefix: () => Promise.reject(new ImageUploadsNotConfiguredError()),
};

/**
 * Wires the one app to DynamoDB and the token issuer. Lambda and the sandbox both call this; only the
 * host's bindings differ (how the caller IP and request id are found, how lines are logged). `appSecret` is
 * the ring `resolveAppSecret` returns, or the app secret's text.
 */
export function createMeridianApp(
  config: Omit<RuntimeConfig, "appSecret"> & { appSecret: AppSecret | string },
  host: HostBindings,
): MeridianApp {
  const { tracing, ...deps } = host;
  const options = clientOptions(config, BUDGETS.http.call, tracing);
  const db = createDocumentClient(options);
  // The two lookups of every cold POST /epoch (the API key, then the write) go through one client.
  const commands = createCommandClient(options, db);
  return createApp({
    ...deps,
    logger: host.logger ?? createLogger({ service: SERVICE.http, level: config.logLevel }),
    epochs: new DynamoEpochStore(db, config.tables.epochs, { commands }),
    apiKeys: new DynamoApiKeyStore(db, config.tables.apiKeys, { commands }),
    catalog: new DynamoCatalogStore(db, config.tables.catalog),
    orders: new DynamoOrderStore(db, config.tables.orders, config.tables.catalog),
    images: new DynamoImageStore(db, config.tables.catalog),
    imagesBucket: config.images
      ? lazyImagesBucket({
          ...config.images,
          region: config.region,
          budget: BUDGETS.http.call,
          instrument: (client) => tracing?.captureClient(client) ?? client,
        })
      : noImagesBucket,
    imageLimits: config.imageLimits,
    metrics:
      host.metrics ??
      cloudWatchMetrics({
        region: config.region,
        budget: BUDGETS.http.call,
        instrument: (client) => tracing?.captureClient(client) ?? client,
      }),
    hasher: new ApiKeyHasher(config.appSecret),
    cursors: createCursorCodec(config.appSecret),
    apiKeyCacheTtlMs: config.apiKeyCacheTtlMs,
    orderLimits: config.orderLimits,
    corsOrigins: config.corsOrigins,
    // Each route's chain (admission, validation, the use case) in its use case's subsegment.
    traceRoute: tracing?.enabled ? (name, run) => tracing.traced(name, run) : undefined,
    requestBudgetMs: BUDGETS.http.requestMs,
    jwt: {
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      adminGroup: config.jwt.adminGroup,
      jwksUrl: new URL(`${config.jwt.issuer}/.well-known/jwks.json`),
      jwksTimeoutMs: BUDGETS.http.jwksMs,
    },
  });
}

/**
 * Wires the order stream processor; the Lambda entry point and the sandbox's stream runner both use it.
 * Traced, each invocation is one `## index.handler` subsegment with a `## reserveStock` per order.
 */
export function createOrderStreamHandler(
  config: OrderStreamConfig,
  telemetry: Telemetry = {},
): DynamoDBStreamHandler {
  const tracing = telemetry.tracing ?? noTracing;
  const db = createDocumentClient(clientOptions(config, BUDGETS.orderStream.call, tracing));
  const deps = {
    orders: new DynamoOrderStore(db, config.tables.orders, config.tables.catalog),
    clock: systemClock,
    logger: telemetry.logger ?? createLogger({ service: SERVICE.orderStream, level: config.logLevel }),
    metrics: telemetry.metrics ?? new MetricsEmitter(),
    tracing,
  };
  // The sandbox's runner and tests may call it without a context.
  return (event, context?: LambdaContext) =>
    tracing.invocation(() => reserveStockForBatch(deps, event), { requestId: context?.awsRequestId });
}

/**
 * Wires the image processor for S3 `ObjectCreated` events (Lambda's asynchronous invocation in AWS, the
 * sandbox's event runner locally): each record's upload is decoded by `processor` (sharp, loaded by the
 * entry point only, never by the HTTP function), then made READY or REJECTED. A failure throws, so the event
 * is retried and, after the retries, lands in the on-failure destination. Traced, each upload is one
 * `## processUploadedImage` subsegment.
 */
export function createImageProcessorHandler(
  config: ImageProcessorConfig,
  processor: ImageProcessor,
  telemetry: Telemetry = {},
) {
  const tracing = telemetry.tracing ?? noTracing;
  const db = createDocumentClient(clientOptions(config, BUDGETS.imageProcessor.call, tracing));
  const bucket = lazyImagesBucket({
    bucket: config.images.bucket,
    endpoint: config.images.endpoint,
    credentials: config.images.credentials,
    region: config.region,
    budget: BUDGETS.imageProcessor.call,
    instrument: (client) => tracing.captureClient(client),
  });
  const logger =
    telemetry.logger ?? createLogger({ service: SERVICE.imageProcessor, level: config.logLevel });
  const deps = {
    images: new DynamoImageStore(db, config.tables.catalog),
    objects: bucket,
    processor,
    clock: systemClock,
    ids: uuidV7Generator,
    publicUrl: (key: string) => `${config.images.publicUrl}/${key}`,
  };
  return async (event: S3Event, context?: LambdaContext): Promise<void> => {
    await tracing.invocation(
      async () => {
        for (const record of event.Records ?? []) {
          // S3 event keys are URL-encoded, with `+` for a space.
          const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, " "));
          const outcome = await tracing.traced("processUploadedImage", () =>
            withinBudget(
              processUploadedImage(deps, key),
              BUDGETS.imageProcessor.eventMs,
              () => new DependencyUnavailableError("image processing"),
            ),
          );
          logger.info("upload processed", { key, outcome, size: record.s3.object.size });
        }
      },
      { requestId: context?.awsRequestId },
    );
  };
}

/**
 * Wires the scheduled metrics job; Lambda (EventBridge) and the sandbox's scheduler both use it. Traced,
 * each run is one `## index.handler` subsegment holding `## collectMetrics`.
 */
export function createMetricsJobHandler(config: MetricsJobConfig, telemetry: Telemetry = {}) {
  const tracing = telemetry.tracing ?? noTracing;
  const db = createDocumentClient(clientOptions(config, BUDGETS.metricsJob.call, tracing));
  const deps = {
    source: new DynamoMetricsSource(db, config.tables),
    clock: systemClock,
    logger: telemetry.logger ?? createLogger({ service: SERVICE.metricsJob, level: config.logLevel }),
    metrics: telemetry.metrics ?? new MetricsEmitter(),
    intervalMs: config.intervalMs,
    tracing,
  };
  return async (_event?: unknown, context?: LambdaContext) => {
    // A run that overruns its budget fails, so EventBridge retries it; it claims its interval only after
    // reading everything, so the retry publishes what this run could not.
    await tracing.invocation(
      () =>
        withinBudget(
          runMetricsJob(deps),
          BUDGETS.metricsJob.runMs,
          () => new DependencyUnavailableError("database"),
        ),
      { requestId: context?.awsRequestId },
    );
  };
}
