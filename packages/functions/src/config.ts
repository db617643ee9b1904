import type { LocalCredentials, TableNames } from "@meridian/adapters";
import {
  API_KEY_CACHE_TTL_MAX_SECONDS,
  DEFAULT_ORDER_LIMITS,
  type LogLevel,
  numberFromText,
  type OrderLimits,
  parseEnv,
} from "@meridian/core";
import * as z from "zod/mini";

// Built on first use (`z.lazy`), like every schema: each function builds only its own environment's.
const table = () => z.string().check(z.minLength(3));
const nonEmpty = () => z.string().check(z.minLength(1));
const limit = (fallback: number) =>
  z._default(numberFromText().check(z.int(), z.minimum(1), z.maximum(1_000_000)), fallback);

/** The HTTP function's variable for each of OrderLimits; the CDK app sets them from the stage. */
export const ORDER_LIMIT_VARIABLES = {
  openOrdersPerDay: "ORDER_LIMIT_OPEN_ORDERS_PER_DAY",
  unitsPerProductPerDay: "ORDER_LIMIT_UNITS_PER_PRODUCT_PER_DAY",
  ordersPerMinute: "ORDER_LIMIT_ORDERS_PER_MINUTE",
} as const satisfies Record<keyof OrderLimits, string>;

/** The variables for the limits a stage sets (the others keep their defaults). */
export function orderLimitsEnvironment(limits: Partial<OrderLimits>): Record<string, string> {
  return Object.fromEntries(
    (Object.keys(ORDER_LIMIT_VARIABLES) as (keyof OrderLimits)[])
      .filter((name) => limits[name] !== undefined)
      .map((name) => [ORDER_LIMIT_VARIABLES[name], String(limits[name])]),
  );
}

/** What every function reading DynamoDB needs. */
const dataEnv = () => ({
  LOG_LEVEL: z._default(z.enum(["DEBUG", "INFO", "WARN", "ERROR"]), "INFO"),
  /** DynamoDB Local or another endpoint; unset in AWS. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  AWS_REGION: z.optional(nonEmpty()),
  /**
   * X-Ray tracing of invocations, use cases and AWS SDK calls: "true" or "false". The stage sets it (with
   * the function's active tracing); off by default, and then the tracer is never loaded.
   */
  TRACING_ENABLED: z._default(z.enum(["true", "false"]), "false"),
});

const HttpEnv = z.lazy(() =>
  z
    .object({
      ...dataEnv(),
      TABLE_EPOCHS: table(),
      TABLE_API_KEYS: table(),
      TABLE_CATALOG: table(),
      TABLE_ORDERS: table(),
      /** Secret that peppers API-key hashes and signs cursors (local runs); at least 32 characters. */
      APP_SECRET: z.optional(z.string().check(z.minLength(32, "must be at least 32 characters"))),
      /** In AWS: the Secrets Manager secret holding that value, read once at cold start. */
      APP_SECRET_ARN: z.optional(z.string().check(z.startsWith("arn:"))),
      /** How long an accepted API key is trusted without a read, so how long a revoked one still works. */
      API_KEY_CACHE_TTL_SECONDS: z._default(
        numberFromText().check(z.int(), z.minimum(0), z.maximum(API_KEY_CACHE_TTL_MAX_SECONDS)),
        30,
      ),
      /** Token issuer: the Cognito user pool URL (`https://cognito-idp.<region>.amazonaws.com/<pool id>`). */
      JWT_ISSUER: z.url(),
      /** The app client id tokens must be issued for. */
      JWT_AUDIENCE: nonEmpty(),
      JWT_ADMIN_GROUP: z._default(nonEmpty(), "admin"),
      /** What one customer may order (OrderLimits); the stage sets them, unset means the defaults. */
      [ORDER_LIMIT_VARIABLES.openOrdersPerDay]: limit(DEFAULT_ORDER_LIMITS.openOrdersPerDay),
      [ORDER_LIMIT_VARIABLES.unitsPerProductPerDay]: limit(DEFAULT_ORDER_LIMITS.unitsPerProductPerDay),
      [ORDER_LIMIT_VARIABLES.ordersPerMinute]: limit(DEFAULT_ORDER_LIMITS.ordersPerMinute),
    })
    .check(
      z.refine((v) => v.APP_SECRET !== undefined || v.APP_SECRET_ARN !== undefined, {
        path: ["APP_SECRET_ARN"],
        message: "set APP_SECRET_ARN (in AWS) or APP_SECRET (locally)",
        // Report it together with other missing variables, not only once they are fixed.
        when: () => true,
      }),
    ),
);

const OrderStreamEnv = z.lazy(() =>
  z.object({ ...dataEnv(), TABLE_CATALOG: table(), TABLE_ORDERS: table() }),
);

const MetricsJobEnv = z.lazy(() =>
  z.object({
    ...dataEnv(),
    TABLE_EPOCHS: table(),
    TABLE_API_KEYS: table(),
    TABLE_CATALOG: table(),
    TABLE_ORDERS: table(),
    /** The schedule's period: the job reports on the last complete interval of this length. */
    METRICS_INTERVAL_SECONDS: z._default(
      numberFromText().check(z.int(), z.minimum(10), z.maximum(86_400)),
      300,
    ),
  }),
);

/** The Cognito pre token generation trigger's: it reads no table, only the user's MFA settings. */
const PreTokenEnv = z.lazy(() =>
  z.object({
    LOG_LEVEL: z._default(z.enum(["DEBUG", "INFO", "WARN", "ERROR"]), "INFO"),
    AWS_REGION: z.optional(nonEmpty()),
    TRACING_ENABLED: z._default(z.enum(["true", "false"]), "false"),
    /** The group that makes a user an admin: the HTTP function's JWT_ADMIN_GROUP. */
    ADMIN_GROUP: z._default(nonEmpty(), "admin"),
    /** A stand-in for Cognito's API (tests); unset in AWS. */
    COGNITO_ENDPOINT: z.optional(z.url()),
  }),
);

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
}

export interface OrderStreamConfig extends DataConfig {
  tables: Pick<TableNames, "catalog" | "orders">;
}

/** The HTTP function's configuration, read once; a missing or bad variable throws a ConfigError naming it. */
export function loadRuntimeConfig(env: Record<string, string | undefined> = process.env): RuntimeConfig {
  const e = parseEnv(HttpEnv, env);
  return {
    tables: {
      epochs: e.TABLE_EPOCHS,
      apiKeys: e.TABLE_API_KEYS,
      catalog: e.TABLE_CATALOG,
      orders: e.TABLE_ORDERS,
    },
    appSecret: e.APP_SECRET ?? { arn: e.APP_SECRET_ARN as string },
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    region: e.AWS_REGION,
    logLevel: e.LOG_LEVEL,
    tracingEnabled: e.TRACING_ENABLED === "true",
    apiKeyCacheTtlMs: e.API_KEY_CACHE_TTL_SECONDS * 1000,
    jwt: { issuer: e.JWT_ISSUER.replace(/\/$/, ""), audience: e.JWT_AUDIENCE, adminGroup: e.JWT_ADMIN_GROUP },
    orderLimits: {
      openOrdersPerDay: e[ORDER_LIMIT_VARIABLES.openOrdersPerDay],
      unitsPerProductPerDay: e[ORDER_LIMIT_VARIABLES.unitsPerProductPerDay],
      ordersPerMinute: e[ORDER_LIMIT_VARIABLES.ordersPerMinute],
    },
  };
}

export interface MetricsJobConfig extends DataConfig {
  tables: TableNames;
  intervalMs: number;
}

/** The scheduled metrics job's configuration. */
export function loadMetricsJobConfig(
  env: Record<string, string | undefined> = process.env,
): MetricsJobConfig {
  const e = parseEnv(MetricsJobEnv, env);
  return {
    tables: {
      epochs: e.TABLE_EPOCHS,
      apiKeys: e.TABLE_API_KEYS,
      catalog: e.TABLE_CATALOG,
      orders: e.TABLE_ORDERS,
    },
    intervalMs: e.METRICS_INTERVAL_SECONDS * 1000,
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    region: e.AWS_REGION,
    logLevel: e.LOG_LEVEL,
    tracingEnabled: e.TRACING_ENABLED === "true",
  };
}

/** The order stream processor's configuration. */
export function loadOrderStreamConfig(
  env: Record<string, string | undefined> = process.env,
): OrderStreamConfig {
  const e = parseEnv(OrderStreamEnv, env);
  return {
    tables: { catalog: e.TABLE_CATALOG, orders: e.TABLE_ORDERS },
    dynamodbEndpoint: e.DYNAMODB_ENDPOINT,
    region: e.AWS_REGION,
    logLevel: e.LOG_LEVEL,
    tracingEnabled: e.TRACING_ENABLED === "true",
  };
}

export interface PreTokenConfig {
  logLevel: LogLevel;
  region?: string;
  tracingEnabled: boolean;
  adminGroup: string;
  cognitoEndpoint?: string;
  /** What to sign with at `cognitoEndpoint`; never set in AWS, where the function's role signs. */
  cognitoCredentials?: LocalCredentials;
}

/** The pre token generation trigger's configuration. */
export function loadPreTokenConfig(env: Record<string, string | undefined> = process.env): PreTokenConfig {
  const e = parseEnv(PreTokenEnv, env);
  return {
    logLevel: e.LOG_LEVEL,
    region: e.AWS_REGION,
    tracingEnabled: e.TRACING_ENABLED === "true",
    adminGroup: e.ADMIN_GROUP,
    cognitoEndpoint: e.COGNITO_ENDPOINT,
  };
}
