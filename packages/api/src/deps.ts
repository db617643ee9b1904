import type {
  ApiKeyHasher,
  ApiKeyStore,
  CatalogStore,
  Clock,
  CursorCodec,
  EpochStore,
  IdGenerator,
  ImageLimits,
  ImageObjects,
  ImageStore,
  Logger,
  MetricsReader,
  OrderLimits,
  OrderStore,
  UploadSigner,
} from "@meridian/core";
import type { Hono } from "hono";
import type { AppContext, AppEnv, ClientIpResolver } from "./env.ts";
import type { JwtAuthOptions } from "./middleware/jwt-auth.ts";
import type { TraceRoute } from "./routes/route.ts";

/** Everything the app needs from outside; each front door (Lambda, sandbox, tests) wires its own. */
export interface AppDeps {
  epochs: EpochStore;
  apiKeys: ApiKeyStore;
  catalog: CatalogStore;
  orders: OrderStore;
  images: ImageStore;
  /** The images bucket: signs uploads, deletes an image's objects. */
  imagesBucket: UploadSigner & ImageObjects;
  /** Size, count and lifetime of uploads (see ImageLimits). Default DEFAULT_IMAGE_LIMITS. */
  imageLimits?: ImageLimits;
  /** Sign-in: how bearer tokens are verified (Cognito in AWS, the sandbox's issuer locally). */
  jwt: JwtAuthOptions;
  hasher: ApiKeyHasher;
  /** What `GET /metrics` reads: CloudWatch in AWS, the sandbox's collector locally. */
  metrics: MetricsReader;
  cursors: CursorCodec;
  clientIp: ClientIpResolver;
  logger: Logger;
  clock?: Clock;
  ids?: IdGenerator;
  /** Id the front door already gave this request (API Gateway's requestId); a UUID otherwise. */
  frontDoorRequestId?: (c: AppContext) => string | undefined;
  /** See ApiKeyAuthOptions.cacheTtlMs. */
  apiKeyCacheTtlMs?: number;
  /**
   * Runs each route in a trace subsegment named after its use case (`## recordEpoch`); unset when the host
   * does not trace.
   */
  traceRoute?: TraceRoute;
  /**
   * Browser origins whose pages may call the API across origins (see corsHeaders): set behind the front
   * doors that answer no CORS themselves (REST API, ALB). Unset: no CORS headers.
   */
  corsOrigins?: readonly string[];
  /** What one customer may order (see OrderLimits). Default DEFAULT_ORDER_LIMITS. */
  orderLimits?: OrderLimits;
  /**
   * A request that has not answered after this many milliseconds answers 503 with `Retry-After` (its write
   * may have landed: a retry with the same `Idempotency-Key` is safe). Default `BUDGETS.http.requestMs`.
   */
  requestBudgetMs?: number;
  /**
   * How routes are matched. Default: Hono's, which compiles the whole route table into one regular
   * expression on the first request (the fastest match for a long-lived server). The Lambda function passes
   * a `LinearRouter`, which has nothing to compile: about 3 ms less CPU on a cold start's first request.
   * Either way a path matches alike (see `strict: false` below).
   */
  router?: HonoOptions["router"];
}

/** AppDeps with defaults filled in, as routes see them. */
export type RouteDeps = AppDeps & {
  clock: Clock;
  ids: IdGenerator;
  limits: OrderLimits;
  imageLimits: ImageLimits;
};

type HonoOptions = NonNullable<ConstructorParameters<typeof Hono<AppEnv>>[0]>;
