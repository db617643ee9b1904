import { parseConfig } from "@meridian/core";
import * as z from "zod/mini";

const orderLimit = () => z.number().check(z.int(), z.minimum(1), z.maximum(1_000_000));

/**
 * Every deployable stage is described here, in one typed and validated place. `npm run deploy -- --stage <name>`
 * picks `dev`, `staging` or `prod` by name; any other name (or no name: your `USER`) is a personal stage with
 * throw-away settings. Change a stage by editing its entry below; the schema rejects typos and bad values.
 */

export const FRONT_DOORS = ["http-api", "rest-api", "alb"] as const;
export type FrontDoorKind = (typeof FRONT_DOORS)[number];

/** What the functions' structured logger writes (`LOG_LEVEL`); lower levels are dropped in the function. */
export const LOG_LEVELS = ["DEBUG", "INFO", "WARN", "ERROR"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const STAGE_NAME = /^[a-z][a-z0-9-]{0,19}$/;
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?\/?$/i;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;

/** The front doors a regional WAF web ACL can be associated with (an HTTP API cannot have one). */
export const WAF_FRONT_DOORS = ["rest-api", "alb"] as const satisfies readonly FrontDoorKind[];

/** The evaluation windows AWS WAF offers a rate-based rule, in seconds. */
export const WAF_WINDOWS_SECONDS = [60, 120, 300, 600] as const;

/**
 * A rate-based rule's limit per evaluation window, in AWS WAF's bounds: at least 10 (since August 2024; 100
 * before, and still in the few regions that did not get the lower limits), at most 2,000,000,000.
 */
const WafLimitSchema = z.number().check(z.int(), z.minimum(10), z.maximum(2_000_000_000));

/**
 * What `waf: {}` means, and what prod gets unless it says otherwise. An address is limited, not a person:
 * phones behind carrier NAT and offices share one, so the limits sit far above one user's needs.
 * - 6,000 requests in 5 minutes is 20/s sustained from one address: a dashboard session (a live chart
 *   polling every few seconds) needs under 1/s, and one address takes at most 0.2% of prod's 10,000/s stage
 *   throttle, so a flood needs hundreds of addresses instead of one.
 * - 300 `GET /` in 5 minutes is 1/s from one address: a visit is one request, and one address takes at most
 *   1% of prod's 100/s `GET /` throttle, which otherwise any single caller can use up for everyone.
 */
export const WAF_DEFAULTS = { windowSeconds: 300, limitPerIp: 6000, publicRootLimitPerIp: 300 } as const;

const WafSchema = z
  .strictObject({
    /** `false` turns the web ACL off, e.g. in a prod stage that would get one by default. */
    enabled: z._default(z.boolean(), true),
    /**
     * How far back WAF counts each address's requests (60, 120, 300 or 600 s). WAF re-counts about every
     * 10 s whatever the window, so a client is blocked within seconds to tens of seconds of passing the limit,
     * and let through again once its count over the window falls below it.
     */
    windowSeconds: z._default(z.literal(WAF_WINDOWS_SECONDS), WAF_DEFAULTS.windowSeconds),
    /** Requests one source IP may send within the window, any method and path, before WAF answers 403. */
    limitPerIp: z._default(WafLimitSchema, WAF_DEFAULTS.limitPerIp),
    /**
     * Requests for `GET /` (the public, unauthenticated route that records a visit) one source IP may send
     * within the window; those let through count towards `limitPerIp` too.
     */
    publicRootLimitPerIp: z._default(WafLimitSchema, WAF_DEFAULTS.publicRootLimitPerIp),
  })
  .check(
    z.refine((w) => w.publicRootLimitPerIp < w.limitPerIp, {
      path: ["publicRootLimitPerIp"],
      message: "the GET / limit must be below limitPerIp, or the GET / rule would never be the one to block",
    }),
  );
/** The limits of a stage's web ACL; a stage without one has `waf: undefined`. */
export type WafConfig = Omit<z.output<typeof WafSchema>, "enabled">;

const ThrottleSchema = z.strictObject({
  /** Steady-state requests per second. */
  rateLimit: z.number().check(z.positive()),
  /** Requests allowed in a burst above the rate. */
  burstLimit: z.number().check(z.int(), z.positive()),
});

export const StageConfigSchema = z.pipe(
  z
    .strictObject({
      /** Used in every physical name: stacks `meridian-<name>-*`, tables `meridian-<name>-epochs`, ... */
      name: z
        .string()
        .check(z.regex(STAGE_NAME, "lower-case letters, digits and '-', starting with a letter, <= 20")),
      kind: z.enum(["dev", "staging", "prod", "personal"]),
      /** Pin the AWS account; unset means the account of the credentials (CDK_DEFAULT_ACCOUNT) or none offline. */
      account: z.optional(z.string().check(z.regex(/^\d{12}$/, "a 12-digit AWS account id"))),
      /** One independent stack set (tables, secret, function, front door) per region. */
      regions: z.array(z.string().check(z.regex(REGION, "an AWS region such as us-east-1"))).check(
        z.minLength(1),
        z.refine((r) => new Set(r).size === r.length, "regions must not repeat"),
      ),
      frontDoor: z._default(z.enum(FRONT_DOORS), "http-api"),
      /** Custom domain; a regional ACM certificate is needed in every region of the stage. */
      domain: z.optional(
        z.strictObject({
          name: z.string().check(z.regex(/^([a-z0-9-]+\.)+[a-z]{2,}$/, "a lower-case DNS name")),
          certificateArns: z.record(z.string(), z.string().check(z.startsWith("arn:"))),
        }),
      ),
      alarms: z.prefault(
        z.strictObject({
          /** 5xx responses per minute at the front door before the alarm fires. */
          http5xxPerMinute: z._default(z.number().check(z.int(), z.positive()), 150),
          /** p99 front-door latency in milliseconds (5 minutes out of 5) before the alarm fires. */
          p99LatencyMs: z._default(z.number().check(z.positive()), 1000),
          /** How far the order stream may fall behind, in seconds (IteratorAge maximum, 3 minutes running). */
          iteratorAgeSeconds: z._default(z.number().check(z.int(), z.positive()), 60),
          /** Age of the oldest PENDING order in seconds, as the metrics job reports it. */
          oldestPendingOrderAgeSeconds: z._default(z.number().check(z.int(), z.positive()), 300),
        }),
        {},
      ),
      /** Who gets the alarm notifications by email (each address confirms its subscription once). */
      alertEmails: z._default(z.array(z.email()), []),
      logRetentionDays: z.number().check(
        z.refine((d) => (LOG_RETENTION_DAYS as readonly number[]).includes(d), {
          message: `one of ${LOG_RETENTION_DAYS.join(", ")}`,
        }),
      ),
      /** What happens to tables, the secret and log groups when the stack is deleted or a resource replaced. */
      removalPolicy: z.enum(["retain", "destroy"]),
      /**
       * Reserved concurrency of the HTTP function: what one stage may take of the account's concurrency (1,000
       * per region by default; the account must keep >= 100 unreserved), and so what a flood of requests can
       * cost at most. Unset: the function shares the account's pool.
       */
      reservedConcurrency: z.optional(z.number().check(z.int(), z.minimum(1))),
      /**
       * What one customer may order (README, "Catalog and orders"): open orders placed per UTC day, units of
       * one product across them, orders per minute. Each one left out is the app's default (10, 20, 5).
       */
      /**
       * Product images: the largest upload a signed POST admits (bytes, default 5 MiB) and the images one
       * product may hold (default 10).
       */
      imageLimits: z._default(
        z.strictObject({
          maxUploadBytes: z.optional(z.number().check(z.int(), z.minimum(1024), z.maximum(50 * 1024 * 1024))),
          maxImagesPerProduct: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(100))),
        }),
        {},
      ),
      orderLimits: z._default(
        z.strictObject({
          openOrdersPerDay: z.optional(orderLimit()),
          unitsPerProductPerDay: z.optional(orderLimit()),
          ordersPerMinute: z.optional(orderLimit()),
        }),
        {},
      ),
      /**
       * Browser origins allowed by CORS, besides the web dashboard's: answered by API Gateway with the HTTP
       * API, by the app behind the REST API and the ALB (answersCorsItself). None: the dashboard's alone.
       */
      corsOrigins: z._default(z.array(z.union([z.literal("*"), z.url({ protocol: /^https?$/ })])), []),
      /**
       * Lets a staging or prod stage list `localhost`/`127.0.0.1` origins in `corsOrigins`, which they refuse
       * otherwise: any web page a developer runs locally could call the deployed API with the user's token.
       */
      allowLocalOrigins: z._default(z.boolean(), false),
      /**
       * X-Ray active tracing on the functions (and the REST API stage); off means Tracing.DISABLED and no X-Ray
       * grant at all. Unset: on in prod, off elsewhere. Tracing stays off outside production until its overhead is
       * measured under 15% of a warm request's duration (the measurement goes to docs/performance.md); set it per
       * stage to trace a dev or personal stage meanwhile.
       */
      tracing: z.optional(z.boolean()),
      /** The functions' log level; personal stages log DEBUG, every other stage INFO unless set. */
      logLevel: z._default(z.enum(LOG_LEVELS), "INFO"),
      /** How often the scheduled metrics job runs (minutes); it reports on intervals of this length. */
      metricsJobPeriodMinutes: z._default(z.number().check(z.int(), z.minimum(1), z.maximum(60)), 5),
      throttle: z.prefault(
        z.strictObject({
          /** Every route of the stage. */
          stage: z._default(ThrottleSchema, { rateLimit: 1000, burstLimit: 500 }),
          /** `GET /`: public and unauthenticated, so it gets a stricter limit. */
          publicRoot: z._default(ThrottleSchema, { rateLimit: 50, burstLimit: 100 }),
        }),
        {},
      ),
      memorySizeMb: z._default(z.number().check(z.int(), z.minimum(128), z.maximum(10240)), 512),
      /**
       * Cognito threat protection (compromised credentials, adaptive authentication) for password sign-in:
       * `enforced` blocks risky sign-ins, `audit` only reports them, `off` turns it off. Anything but `off`
       * needs the Plus feature plan, billed per monthly active user (docs/deploy.md). Unset: `enforced` in
       * prod, `off` elsewhere.
       */
      threatProtection: z.optional(z.enum(["off", "audit", "enforced"])),
      /**
       * A regional AWS WAF web ACL on the front door with per-client (source IP) rate-based rules: every request,
       * and `GET /` more strictly (docs/operations.md, "Rate limits per front door"). `rest-api` and `alb` only.
       * `{}` turns it on with `WAF_DEFAULTS`, `{ enabled: false }` off. Unset: on with `WAF_DEFAULTS` in prod when
       * its front door can have one, off otherwise.
       */
      waf: z.optional(WafSchema),
    })
    .check(
      z.refine((s) => s.kind !== "prod" || s.removalPolicy === "retain", {
        path: ["removalPolicy"],
        message: "prod keeps its data: removalPolicy must be 'retain'",
      }),
      z.refine(
        (s) =>
          s.allowLocalOrigins ||
          (s.kind !== "staging" && s.kind !== "prod") ||
          !s.corsOrigins.some((origin) => LOCAL_ORIGIN.test(origin)),
        {
          path: ["corsOrigins"],
          message:
            "a staging or prod stage allows no localhost origin unless it sets allowLocalOrigins: true",
        },
      ),
      z.refine((s) => !s.waf?.enabled || (WAF_FRONT_DOORS as readonly string[]).includes(s.frontDoor), {
        path: ["waf"],
        message:
          "the HTTP API front door cannot be associated with a WAF web ACL: use frontDoor 'rest-api' or 'alb' " +
          "(or a CloudFront distribution with a web ACL in front, not built), or remove waf",
      }),
      z.refine((s) => !s.domain || s.regions.every((r) => s.domain?.certificateArns[r] !== undefined), {
        path: ["domain", "certificateArns"],
        message: "give a certificate ARN for every region of the stage",
      }),
    ),
  z.transform((s) => ({
    ...s,
    tracing: s.tracing ?? s.kind === "prod",
    threatProtection: s.threatProtection ?? (s.kind === "prod" ? "enforced" : "off"),
    waf: s.waf ? wafOf(s.waf) : defaultWaf(s),
  })),
);

/** Prod is protected unless it opts out; its default front door (`http-api`) cannot be, so it gets none. */
function defaultWaf(s: { kind: string; frontDoor: FrontDoorKind }): WafConfig | undefined {
  return s.kind === "prod" && (WAF_FRONT_DOORS as readonly string[]).includes(s.frontDoor)
    ? { ...WAF_DEFAULTS }
    : undefined;
}

function wafOf({ enabled, ...limits }: z.output<typeof WafSchema>): WafConfig | undefined {
  return enabled ? limits : undefined;
}

export type StageConfig = z.output<typeof StageConfigSchema>;
export type StageConfigInput = z.input<typeof StageConfigSchema>;

/** Parses a stage; a bad value throws an error that names the stage and the field. */
export function defineStage(input: StageConfigInput): StageConfig {
  return parseConfig(
    StageConfigSchema,
    input,
    "(stage)",
    (problems) => new Error(`Invalid stage config "${input.name}": ${problems.join("; ")}`),
  );
}

export const NAMED_STAGES = ["dev", "staging", "prod"] as const;
export type NamedStage = (typeof NAMED_STAGES)[number];

const DEFAULT_REGION = "us-east-1";

const namedStages: Record<NamedStage, StageConfigInput> = {
  dev: {
    name: "dev",
    kind: "dev",
    regions: [DEFAULT_REGION],
    frontDoor: "http-api",
    logRetentionDays: 14,
    removalPolicy: "destroy", // dev data is disposable: deleting the stack deletes the tables and secret
    corsOrigins: ["http://localhost:3000", "http://127.0.0.1:3000"],
    throttle: { stage: { rateLimit: 100, burstLimit: 50 }, publicRoot: { rateLimit: 10, burstLimit: 20 } },
  },
  staging: {
    name: "staging",
    kind: "staging",
    regions: [DEFAULT_REGION],
    frontDoor: "http-api",
    logRetentionDays: 30,
    removalPolicy: "destroy", // staging is rebuilt from prod-like fixtures, never holds the only copy of data
    throttle: { stage: { rateLimit: 500, burstLimit: 250 }, publicRoot: { rateLimit: 20, burstLimit: 40 } },
  },
  prod: {
    name: "prod",
    kind: "prod",
    regions: [DEFAULT_REGION],
    frontDoor: "http-api",
    logRetentionDays: 365,
    removalPolicy: "retain", // production data outlives the stack: tables, secret and logs are RETAINed
    alarms: { http5xxPerMinute: 150, p99LatencyMs: 1000 },
    // A flood of requests costs at most 200 concurrent executions (at ~20 ms a request, ~10,000 requests/s,
    // the design target) and leaves the rest of the account's 1,000 to its other functions. Raise it with
    // the account's quota (docs/operations.md).
    reservedConcurrency: 200,
    // waf unset: the WAF_DEFAULTS per-IP limits once prod's front door is rest-api or alb; the HTTP API cannot
    // have a web ACL, so today's prod has none (docs/operations.md, "Rate limits per front door").
    throttle: {
      // 10,000 writes/s is the design target (docs/data-model.md); the account's API Gateway quota must allow it.
      stage: { rateLimit: 10_000, burstLimit: 5_000 },
      publicRoot: { rateLimit: 100, burstLimit: 200 },
    },
  },
};

/** A developer's own stage: cheap, short retention, destroyed with its stack. */
export function personal(name: string, env: Record<string, string | undefined> = process.env): StageConfig {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 20);
  if (!clean || (NAMED_STAGES as readonly string[]).includes(clean)) {
    throw new Error(`"${name}" cannot name a personal stage; use --stage <your-name>`);
  }
  return defineStage({
    name: clean,
    kind: "personal",
    regions: [env.CDK_DEFAULT_REGION ?? env.AWS_REGION ?? DEFAULT_REGION],
    logRetentionDays: 7,
    removalPolicy: "destroy", // personal stages are throw-away
    logLevel: "DEBUG", // one developer's traffic: every detail is worth its log cost
    corsOrigins: ["http://localhost:3000", "http://127.0.0.1:3000"],
    throttle: { stage: { rateLimit: 50, burstLimit: 25 }, publicRoot: { rateLimit: 5, burstLimit: 10 } },
  });
}

function isNamed(name: string): name is NamedStage {
  return (NAMED_STAGES as readonly string[]).includes(name);
}

/**
 * The stage called `name`: dev, staging or prod, or else a personal stage. Without a name the personal stage of
 * `USER` is used, so a bare deploy can never reach prod. The account comes from the config or, when the CDK CLI
 * has credentials, from CDK_DEFAULT_ACCOUNT; offline it stays unset and the stacks are account-agnostic.
 */
export function resolveStage(
  name: string | undefined,
  env: Record<string, string | undefined> = process.env,
): StageConfig {
  const wanted = name ?? env.USER ?? env.USERNAME;
  if (!wanted) throw new Error("No stage given: pass --stage <name> (or set USER for a personal stage)");
  const stage = isNamed(wanted) ? defineStage(namedStages[wanted]) : personal(wanted, env);
  const account = stage.account ?? env.CDK_DEFAULT_ACCOUNT;
  return account ? { ...stage, account } : stage;
}

/** All named stages (what a plain `npm run synth` checks). */
export function namedStageConfigs(env: Record<string, string | undefined> = process.env): StageConfig[] {
  return NAMED_STAGES.map((name) => resolveStage(name, env));
}
