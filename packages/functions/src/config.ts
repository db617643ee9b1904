import type { LocalCredentials, TableNames } from "@meridian/adapters";
import {
  API_KEY_CACHE_TTL_MAX_SECONDS,
  DEFAULT_IMAGE_LIMITS,
  DEFAULT_ORDER_LIMITS,
  type ImageLimits,
  type LogLevel,
  numberFromText,
  type OrderLimits,
  parseEnv,
} from "@meridian/core";
import * as z from "zod/mini";

type Env = Record<string, string | undefined>;

/**
 * A function's environment contract: the names of the variables it reads, written once (the CDK app, the
 * benches and the tests set them by these names), the schema they are parsed with, and the typed
 * configuration made of them.
 */
export interface EnvironmentContract<V, S extends z.ZodMiniObject, C> {
  /** The variables' names, by what they hold. */
  readonly variables: V;
  /** The variables' schema, built on first use: each function builds only its own environment's. */
  schema(): S;
  /** Reads `env` once, at cold start; a missing or bad variable throws a ConfigError naming it. */
  load(env?: Env): C;
}

/**
 * The one loader: every function's contract is made here, and differs only in its names, schema and mapping.
 *
 * @example
 * const jobEnvironment = defineEnvironment({
 *   variables: { interval: "INTERVAL_SECONDS" },
 *   schema: (v) => z.object({ [v.interval]: numberFromText() }),
 *   toConfig: (e) => ({ intervalMs: e.INTERVAL_SECONDS * 1000 }),
 * });
 * const config = jobEnvironment.load(); // process.env
 */
export function defineEnvironment<const V, S extends z.ZodMiniObject, C>(spec: {
  variables: V;
  schema: (variables: V) => S;
  toConfig: (env: z.output<S>) => C;
}): EnvironmentContract<V, S, C> {
  let schema: S | undefined;
  const build = () => {
    schema ??= spec.schema(spec.variables);
    return schema;
  };
  return {
    variables: spec.variables,
    schema: build,
    load: (env = process.env) => spec.toConfig(parseEnv(build(), env)),
  };
}

const table = () => z.string().check(z.minLength(3));
const nonEmpty = () => z.string().check(z.minLength(1));
const limit = (fallback: number) =>
  z._default(numberFromText().check(z.int(), z.minimum(1), z.maximum(1_000_000)), fallback);

/** What every function reads: MeridianFunction sets LOG_LEVEL and TRACING_ENABLED, Lambda sets AWS_REGION. */
export const FUNCTION_VARIABLES = {
  logLevel: "LOG_LEVEL",
  region: "AWS_REGION",
  /**
   * X-Ray tracing of invocations, use cases and AWS SDK calls: "true" or "false". The stage sets it (with
   * the function's active tracing); off by default, and then the tracer is never loaded.
   */
  tracingEnabled: "TRACING_ENABLED",
} as const;

/** What every function reading DynamoDB reads besides: DynamoDB Local or another endpoint, unset in AWS. */
const DATA_VARIABLES = { ...FUNCTION_VARIABLES, dynamodbEndpoint: "DYNAMODB_ENDPOINT" } as const;

/** The variable holding each table's name; a function reads those of the tables it uses. */
export const TABLE_VARIABLES = {
  epochs: "TABLE_EPOCHS",
  apiKeys: "TABLE_API_KEYS",
  catalog: "TABLE_CATALOG",
  orders: "TABLE_ORDERS",
} as const satisfies Record<keyof TableNames, string>;

/** The variables for the tables given (a test's or a bench's own, pointed at DynamoDB Local). */
export function tableEnvironment(names: Partial<TableNames>): Record<string, string> {
  return variablesOf(TABLE_VARIABLES, names);
}

/** The HTTP function's variable for each of OrderLimits; the CDK app sets them from the stage. */
const ORDER_LIMIT_VARIABLES = {
  openOrdersPerDay: "ORDER_LIMIT_OPEN_ORDERS_PER_DAY",
  unitsPerProductPerDay: "ORDER_LIMIT_UNITS_PER_PRODUCT_PER_DAY",
  ordersPerMinute: "ORDER_LIMIT_ORDERS_PER_MINUTE",
} as const satisfies Record<keyof OrderLimits, string>;

/** The HTTP function's variables for the image limits a stage may set. */
const IMAGE_LIMIT_VARIABLES = {
  maxUploadBytes: "IMAGES_MAX_UPLOAD_BYTES",
  maxImagesPerProduct: "IMAGES_MAX_PER_PRODUCT",
} as const;

/** The variables for the image limits a stage sets (the others keep their defaults). */
export function imageLimitsEnvironment(
  limits: Partial<Pick<ImageLimits, keyof typeof IMAGE_LIMIT_VARIABLES>>,
): Record<string, string> {
  return variablesOf(IMAGE_LIMIT_VARIABLES, limits);
}

/** The variables for the limits a stage sets (the others keep their defaults). */
export function orderLimitsEnvironment(limits: Partial<OrderLimits>): Record<string, string> {
  return variablesOf(ORDER_LIMIT_VARIABLES, limits);
}

/** The HTTP function's variable for the browser origins the app answers CORS to. */
const CORS_VARIABLE = "CORS_ALLOWED_ORIGINS";

/**
 * The variable for the browser origins the app answers CORS to: the CDK app sets it behind the front doors
 * that answer no CORS themselves (REST API, ALB). Comma-separated; no origins, no variable.
 *
 * @example
 * corsEnvironment(["https://d123.cloudfront.net", "http://localhost:3000"]);
 * // { CORS_ALLOWED_ORIGINS: "https://d123.cloudfront.net,http://localhost:3000" }
 */
export function corsEnvironment(origins: readonly string[]): Record<string, string> {
  return origins.length > 0 ? { [CORS_VARIABLE]: origins.join(",") } : {};
}

/** A comma-separated list of origins: each `*` or an http(s) URL with nothing after its host and port. */
const originList = () =>
  z.pipe(
    z.pipe(
      z.string(),
      z.transform((text) =>
        text
          .split(",")
          .map((origin) => origin.trim().replace(/\/$/, ""))
          .filter((origin) => origin.length > 0),
      ),
    ),
    z.array(
      z.union([
        z.literal("*"),
        z
          .url({ protocol: /^https?$/ })
          .check(z.regex(/^https?:\/\/[^/?#]+$/, "an origin: scheme://host[:port]")),
      ]),
    ),
  );

function variablesOf<K extends string>(
  variables: Record<K, string>,
  values: Partial<Record<K, string | number>>,
): Record<string, string> {
  return Object.fromEntries(
    (Object.keys(variables) as K[])
      .filter((key) => values[key] !== undefined)
      .map((key) => [variables[key], String(values[key])]),
  );
}

const functionShape = () => ({
  [FUNCTION_VARIABLES.logLevel]: z._default(z.enum(["DEBUG", "INFO", "WARN", "ERROR"]), "INFO"),
  [FUNCTION_VARIABLES.region]: z.optional(nonEmpty()),
  [FUNCTION_VARIABLES.tracingEnabled]: z._default(z.enum(["true", "false"]), "false"),
});
const dataShape = () => ({ ...functionShape(), [DATA_VARIABLES.dynamodbEndpoint]: z.optional(z.url()) });

type FunctionEnv = z.output<z.ZodMiniObject<ReturnType<typeof functionShape>>>;
type DataEnv = z.output<z.ZodMiniObject<ReturnType<typeof dataShape>>>;

const functionConfig = (e: FunctionEnv) => ({
  logLevel: e.LOG_LEVEL,
  region: e.AWS_REGION,
  tracingEnabled: e.TRACING_ENABLED === "true",
});
const dataConfig = (e: DataEnv): DataConfig => ({
  ...functionConfig(e),
  dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
});

type TableVariables<K extends keyof TableNames> = Pick<typeof TABLE_VARIABLES, K>;

/** The schema of the tables' variables: each a table name. */
function tablesShape<K extends keyof TableNames>(variables: TableVariables<K>) {
  return Object.fromEntries(Object.values<string>(variables).map((name) => [name, table()])) as {
    [P in K as TableVariables<K>[P]]: ReturnType<typeof table>;
  };
}

/** The tables' names, read from a parsed environment by their variables. */
function tablesOf<K extends keyof TableNames>(variables: TableVariables<K>, e: object): Pick<TableNames, K> {
  const values = e as Record<string, string>;
  return Object.fromEntries(
    (Object.keys(variables) as K[]).map((key) => [key, values[variables[key]]]),
  ) as Pick<TableNames, K>;
}

export interface DataConfig {
  logLevel?: LogLevel;
  dynamodbEndpoint?: string;
  /** What to sign with at `dynamodbEndpoint` (the sandbox's per-home key); never set in AWS. */
  dynamodbCredentials?: LocalCredentials;
  region?: string;
  /** From `TRACING_ENABLED`; unset (the sandbox) means off. */
  tracingEnabled?: boolean;
}

export interface RuntimeConfig extends DataConfig {
  tables: TableNames;
  /** The secret's value, or the Secrets Manager ARN that `resolveAppSecret` reads at cold start. */
  appSecret: string | { arn: string };
  apiKeyCacheTtlMs: number;
  jwt: { issuer: string; audience: string; adminGroup: string };
  /** Unset: DEFAULT_ORDER_LIMITS. */
  orderLimits?: OrderLimits;
  /**
   * The images bucket (and, locally, the sandbox's S3 store and what to sign with there). Unset: image
   * uploads answer 503.
   */
  images?: { bucket: string; endpoint?: string; credentials?: LocalCredentials };
  /** Unset: DEFAULT_IMAGE_LIMITS. */
  imageLimits?: ImageLimits;
  /** Browser origins the app answers CORS to (AppDeps.corsOrigins); unset or empty: no CORS headers. */
  corsOrigins?: readonly string[];
}

/** The HTTP function's environment. */
export const httpEnvironment = defineEnvironment({
  variables: {
    ...DATA_VARIABLES,
    tables: TABLE_VARIABLES,
    /** Secret that peppers API-key hashes and signs cursors (local runs); at least 32 characters. */
    appSecret: "APP_SECRET",
    /** In AWS: the Secrets Manager secret holding that value, read once at cold start. */
    appSecretArn: "APP_SECRET_ARN",
    /** How long an accepted API key is trusted without a read, so how long a revoked one still works. */
    apiKeyCacheTtlSeconds: "API_KEY_CACHE_TTL_SECONDS",
    /** Token issuer: the Cognito user pool URL (`https://cognito-idp.<region>.amazonaws.com/<pool id>`). */
    jwtIssuer: "JWT_ISSUER",
    /** The app client id tokens must be issued for. */
    jwtAudience: "JWT_AUDIENCE",
    jwtAdminGroup: "JWT_ADMIN_GROUP",
    /** What one customer may order (OrderLimits); the stage sets them, unset means the defaults. */
    orderLimits: ORDER_LIMIT_VARIABLES,
    /** The images bucket; unset, image uploads answer 503 (a deployment without one). */
    imagesBucket: "IMAGES_BUCKET",
    /** Largest image upload the signed policy admits, in bytes (default 5 MiB); images one product may hold (10). */
    imageLimits: IMAGE_LIMIT_VARIABLES,
    /**
     * Browser origins the app answers CORS to, comma-separated (`corsEnvironment`). Set behind the REST API
     * and the ALB; unset behind the HTTP API (API Gateway answers CORS there) and in the sandbox (one origin).
     */
    corsOrigins: CORS_VARIABLE,
  },
  schema: (v) =>
    z
      .object({
        ...dataShape(),
        ...tablesShape(v.tables),
        [v.appSecret]: z.optional(z.string().check(z.minLength(32, "must be at least 32 characters"))),
        [v.appSecretArn]: z.optional(z.string().check(z.startsWith("arn:"))),
        [v.apiKeyCacheTtlSeconds]: z._default(
          numberFromText().check(z.int(), z.minimum(0), z.maximum(API_KEY_CACHE_TTL_MAX_SECONDS)),
          30,
        ),
        [v.jwtIssuer]: z.url(),
        [v.jwtAudience]: nonEmpty(),
        [v.jwtAdminGroup]: z._default(nonEmpty(), "admin"),
        [v.orderLimits.openOrdersPerDay]: limit(DEFAULT_ORDER_LIMITS.openOrdersPerDay),
        [v.orderLimits.unitsPerProductPerDay]: limit(DEFAULT_ORDER_LIMITS.unitsPerProductPerDay),
        [v.orderLimits.ordersPerMinute]: limit(DEFAULT_ORDER_LIMITS.ordersPerMinute),
        [v.imagesBucket]: z.optional(
          z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name")),
        ),
        [v.imageLimits.maxUploadBytes]: z._default(
          numberFromText().check(z.int(), z.minimum(1024), z.maximum(50 * 1024 * 1024)),
          DEFAULT_IMAGE_LIMITS.maxUploadBytes,
        ),
        [v.imageLimits.maxImagesPerProduct]: z._default(
          numberFromText().check(z.int(), z.minimum(1), z.maximum(100)),
          DEFAULT_IMAGE_LIMITS.maxImagesPerProduct,
        ),
        [v.corsOrigins]: z._default(originList(), []),
      })
      .check(
        z.refine((e) => e.APP_SECRET !== undefined || e.APP_SECRET_ARN !== undefined, {
          path: [v.appSecretArn],
          message: `set ${v.appSecretArn} (in AWS) or ${v.appSecret} (locally)`,
          // Report it together with other missing variables, not only once they are fixed.
          when: () => true,
        }),
      ),
  toConfig: (e): RuntimeConfig => ({
    ...dataConfig(e),
    tables: tablesOf(TABLE_VARIABLES, e),
    appSecret: e.APP_SECRET ?? { arn: e.APP_SECRET_ARN as string },
    apiKeyCacheTtlMs: e.API_KEY_CACHE_TTL_SECONDS * 1000,
    jwt: { issuer: e.JWT_ISSUER.replace(/\/$/, ""), audience: e.JWT_AUDIENCE, adminGroup: e.JWT_ADMIN_GROUP },
    orderLimits: {
      openOrdersPerDay: e.ORDER_LIMIT_OPEN_ORDERS_PER_DAY,
      unitsPerProductPerDay: e.ORDER_LIMIT_UNITS_PER_PRODUCT_PER_DAY,
      ordersPerMinute: e.ORDER_LIMIT_ORDERS_PER_MINUTE,
    },
    ...(e.IMAGES_BUCKET ? { images: { bucket: e.IMAGES_BUCKET } } : {}),
    imageLimits: {
      ...DEFAULT_IMAGE_LIMITS,
      maxUploadBytes: e.IMAGES_MAX_UPLOAD_BYTES,
      maxImagesPerProduct: e.IMAGES_MAX_PER_PRODUCT,
    },
    corsOrigins: e.CORS_ALLOWED_ORIGINS,
  }),
});

export interface OrderStreamConfig extends DataConfig {
  tables: Pick<TableNames, "catalog" | "orders">;
}

const ORDER_STREAM_TABLES = { catalog: TABLE_VARIABLES.catalog, orders: TABLE_VARIABLES.orders } as const;

/** The order stream processor's environment: it reserves stock (catalog) for orders. */
export const orderStreamEnvironment = defineEnvironment({
  variables: { ...DATA_VARIABLES, tables: ORDER_STREAM_TABLES },
  schema: (v) => z.object({ ...dataShape(), ...tablesShape(v.tables) }),
  toConfig: (e): OrderStreamConfig => ({ ...dataConfig(e), tables: tablesOf(ORDER_STREAM_TABLES, e) }),
});

export interface ImageProcessorConfig extends DataConfig {
  tables: Pick<TableNames, "catalog">;
  images: {
    bucket: string;
    /** Where renditions are served from: the CDN's base URL (`https://d1234.cloudfront.net`). */
    publicUrl: string;
    /** The sandbox's S3 store, and what to sign with there; unset in AWS. */
    endpoint?: string;
    credentials?: LocalCredentials;
  };
}

const IMAGE_PROCESSOR_TABLES = { catalog: TABLE_VARIABLES.catalog } as const;

/** The image processor's environment: it reads uploads and writes renditions (bucket), and image records. */
export const imageProcessorEnvironment = defineEnvironment({
  variables: {
    ...DATA_VARIABLES,
    tables: IMAGE_PROCESSOR_TABLES,
    imagesBucket: "IMAGES_BUCKET",
    /** The CDN's base URL, which renditions' URLs start with. */
    imagesPublicUrl: "IMAGES_PUBLIC_URL",
  },
  schema: (v) =>
    z.object({
      ...dataShape(),
      ...tablesShape(v.tables),
      [v.imagesBucket]: z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "an S3 bucket name")),
      [v.imagesPublicUrl]: z.url({ protocol: /^https?$/ }),
    }),
  toConfig: (e): ImageProcessorConfig => ({
    ...dataConfig(e),
    tables: tablesOf(IMAGE_PROCESSOR_TABLES, e),
    images: { bucket: e.IMAGES_BUCKET, publicUrl: e.IMAGES_PUBLIC_URL.replace(/\/$/, "") },
  }),
});

export const loadImageProcessorConfig = imageProcessorEnvironment.load;

export interface MetricsJobConfig extends DataConfig {
  tables: TableNames;
  intervalMs: number;
}

/** The scheduled metrics job's environment. */
export const metricsJobEnvironment = defineEnvironment({
  variables: {
    ...DATA_VARIABLES,
    tables: TABLE_VARIABLES,
    /** The schedule's period: the job reports on the last complete interval of this length. */
    intervalSeconds: "METRICS_INTERVAL_SECONDS",
  },
  schema: (v) =>
    z.object({
      ...dataShape(),
      ...tablesShape(v.tables),
      [v.intervalSeconds]: z._default(numberFromText().check(z.int(), z.minimum(10), z.maximum(86_400)), 300),
    }),
  toConfig: (e): MetricsJobConfig => ({
    ...dataConfig(e),
    tables: tablesOf(TABLE_VARIABLES, e),
    intervalMs: e.METRICS_INTERVAL_SECONDS * 1000,
  }),
});

export interface PreTokenConfig {
  logLevel: LogLevel;
  region?: string;
  tracingEnabled: boolean;
  adminGroup: string;
  cognitoEndpoint?: string;
  /** What to sign with at `cognitoEndpoint`; never set in AWS, where the function's role signs. */
  cognitoCredentials?: LocalCredentials;
}

/** The Cognito pre token generation trigger's environment: it reads no table, only the user's MFA settings. */
export const preTokenEnvironment = defineEnvironment({
  variables: {
    ...FUNCTION_VARIABLES,
    /** The group that makes a user an admin: the HTTP function's JWT_ADMIN_GROUP. */
    adminGroup: "ADMIN_GROUP",
    /** A stand-in for Cognito's API (tests); unset in AWS. */
    cognitoEndpoint: "COGNITO_ENDPOINT",
  },
  schema: (v) =>
    z.object({
      ...functionShape(),
      [v.adminGroup]: z._default(nonEmpty(), "admin"),
      [v.cognitoEndpoint]: z.optional(z.url()),
    }),
  toConfig: (e): PreTokenConfig => ({
    ...functionConfig(e),
    adminGroup: e.ADMIN_GROUP,
    cognitoEndpoint: e.COGNITO_ENDPOINT,
  }),
});

/** The HTTP function's configuration, read once; a missing or bad variable throws a ConfigError naming it. */
export const loadRuntimeConfig = httpEnvironment.load;
/** The order stream processor's configuration. */
export const loadOrderStreamConfig = orderStreamEnvironment.load;
/** The scheduled metrics job's configuration. */
export const loadMetricsJobConfig = metricsJobEnvironment.load;
/** The pre token generation trigger's configuration. */
export const loadPreTokenConfig = preTokenEnvironment.load;
