/**
 * How long Meridian waits for its dependencies: the one place these numbers live. The AWS clients
 * (DynamoDB, DynamoDB Streams, Secrets Manager) take their connect and attempt timeouts and their retry
 * budget from here, the JWKS fetch its timeout, the HTTP app its per-request deadline, the stream processor
 * and the metrics job their invocation deadlines; the CDK app derives each function's timeout and the front
 * door's limit from the same numbers (packages/infra/src/config/timeouts.ts), so that a stalled dependency
 * always ends in a 503 (or a retried batch) before anything upstream gives up and answers for us.
 */

/** One call to a dependency, its retries included. */
export interface CallBudget {
  /** TCP (and TLS) connect of one attempt. */
  connectTimeoutMs: number;
  /** One attempt, from sending the request to its response (waiting for a pooled socket included). */
  attemptTimeoutMs: number;
  /** Attempts in all, the first included. */
  maxAttempts: number;
  /**
   * No retry starts that could end later than this after the first attempt began: the call's worst case,
   * whatever the engine does (see `BudgetedRetryStrategy` in @meridian/adapters).
   */
  totalMs: number;
  /** Base of the exponential backoff with full jitter between attempts (`random * base * 2^retry`). */
  backoffBaseMs: number;
  /** The same after a throttling error: the table needs longer than a lost packet. */
  throttlingBackoffBaseMs: number;
}

export interface Budgets {
  /** The HTTP function (and the sandbox's API): each request as a whole, and each call within it. */
  http: {
    call: CallBudget;
    /**
     * A request that has not answered after this long answers 503 `SERVICE_UNAVAILABLE` with `Retry-After`:
     * its write may or may not have landed, and a retry with the same `Idempotency-Key` is safe.
     */
    requestMs: number;
    /** Fetching the token issuer's key set (JWKS), once per cold start and on an unknown key id. */
    jwksMs: number;
    /** `Retry-After` of a 503 for an unavailable dependency, in seconds. */
    retryAfterSeconds: number;
  };
  /** Reading the app secret from Secrets Manager at cold start. */
  secret: CallBudget;
  /** The order stream processor: records not started within `batchMs` are handed back for a retry. */
  orderStream: { call: CallBudget; batchMs: number; callsPerRecord: number };
  /** The scheduled metrics job: a run that has not finished after `runMs` fails (and is retried). */
  metricsJob: { call: CallBudget; runMs: number };
  /**
   * The Cognito pre token generation trigger: one AdminGetUser per sign-in (and token refresh) of an admin
   * group member. A lookup that has not answered after `lookupMs` counts as failed, and the token is issued
   * without the admin group, so a stalled Cognito API costs admins their role, never the sign-in itself.
   */
  preToken: { call: CallBudget; lookupMs: number };
  /**
   * The image processor: each upload's event, read (up to IMAGES_MAX_UPLOAD_BYTES), decoded, its renditions
   * written. An event not done after `eventMs` fails and is retried by Lambda's asynchronous invocation.
   */
  imageProcessor: { call: CallBudget; eventMs: number };
  /** Local tooling (sandbox set-up, the stream runner's polling, CLIs): DynamoDB Local may be slow to create tables. */
  tooling: { call: CallBudget };
}

export const BUDGETS: Budgets = {
  http: {
    // DynamoDB answers in single-digit milliseconds; 1 s per attempt is two orders of magnitude of room, and
    // two attempts fit in 2.5 s. A stalled table answers 503 after about 2.1 s (one attempt, a short backoff,
    // a second attempt, and the next would overrun `totalMs`).
    call: {
      connectTimeoutMs: 500,
      attemptTimeoutMs: 1_000,
      maxAttempts: 3,
      totalMs: 2_500,
      backoffBaseMs: 50,
      throttlingBackoffBaseMs: 500,
    },
    requestMs: 3_000,
    jwksMs: 1_500,
    retryAfterSeconds: 1,
  },
  secret: {
    connectTimeoutMs: 1_000,
    attemptTimeoutMs: 2_000,
    maxAttempts: 3,
    totalMs: 5_000,
    backoffBaseMs: 100,
    throttlingBackoffBaseMs: 500,
  },
  orderStream: {
    call: {
      connectTimeoutMs: 1_000,
      attemptTimeoutMs: 2_000,
      maxAttempts: 3,
      totalMs: 5_000,
      backoffBaseMs: 100,
      throttlingBackoffBaseMs: 500,
    },
    batchMs: 15_000,
    // reserveStock: the reservation transaction, tried again on a transaction conflict for at most one
    // call's budget (so up to two calls' time), then (out of stock) the rejection update.
    callsPerRecord: 3,
  },
  metricsJob: {
    call: {
      connectTimeoutMs: 1_000,
      attemptTimeoutMs: 3_000,
      maxAttempts: 3,
      totalMs: 7_000,
      backoffBaseMs: 100,
      throttlingBackoffBaseMs: 500,
    },
    runMs: 40_000,
  },
  preToken: {
    // Cognito waits 5 s for a trigger, cold start included (COGNITO_TRIGGER_LIMIT_MS), then fails the sign-in.
    // Two 800 ms attempts fit in 2 s; the lookup's own deadline is a little later, and the function's
    // timeout (lookupMs plus the margin, 5 s) never exceeds what Cognito waits.
    call: {
      connectTimeoutMs: 500,
      attemptTimeoutMs: 800,
      maxAttempts: 2,
      totalMs: 2_000,
      backoffBaseMs: 50,
      throttlingBackoffBaseMs: 200,
    },
    lookupMs: 2_500,
  },
  imageProcessor: {
    call: {
      connectTimeoutMs: 1_000,
      // A 5 MiB upload, or a 1280 px rendition, in one attempt.
      attemptTimeoutMs: 5_000,
      maxAttempts: 3,
      totalMs: 12_000,
      backoffBaseMs: 100,
      throttlingBackoffBaseMs: 500,
    },
    eventMs: 45_000,
  },
  tooling: {
    call: {
      connectTimeoutMs: 2_000,
      attemptTimeoutMs: 15_000,
      maxAttempts: 3,
      totalMs: 40_000,
      backoffBaseMs: 100,
      throttlingBackoffBaseMs: 500,
    },
  },
};

/** How long Cognito waits for a Lambda trigger to answer (not configurable), cold start included. */
export const COGNITO_TRIGGER_LIMIT_MS = 5_000;

/** The longest a stream invocation can run: records start until `batchMs`, and the last ones run their course. */
export function orderStreamWorstCaseMs(budget: Budgets["orderStream"] = BUDGETS.orderStream): number {
  return budget.batchMs + budget.callsPerRecord * budget.call.totalMs;
}

/**
 * The rules the numbers must keep; the CDK app and a unit test check them, so an edit that breaks one fails
 * before it deploys. Returns the broken rules (none: an empty list).
 */
export function budgetProblems(budgets: Budgets = BUDGETS): string[] {
  const problems: string[] = [];
  const calls: [string, CallBudget][] = [
    ["http.call", budgets.http.call],
    ["secret", budgets.secret],
    ["orderStream.call", budgets.orderStream.call],
    ["metricsJob.call", budgets.metricsJob.call],
    ["preToken.call", budgets.preToken.call],
    ["tooling.call", budgets.tooling.call],
  ];
  for (const [name, call] of calls) {
    if (call.maxAttempts < 1) problems.push(`${name}.maxAttempts must be at least 1`);
    if (call.attemptTimeoutMs > call.totalMs)
      problems.push(`${name}.attemptTimeoutMs must not exceed totalMs`);
    if (call.connectTimeoutMs > call.attemptTimeoutMs)
      problems.push(`${name}.connectTimeoutMs must not exceed attemptTimeoutMs`);
  }
  if (budgets.http.call.totalMs >= budgets.http.requestMs)
    problems.push(
      "http.call.totalMs must be below http.requestMs: one stalled call answers 503 before the deadline",
    );
  if (budgets.http.jwksMs >= budgets.http.requestMs)
    problems.push("http.jwksMs must be below http.requestMs");
  if (budgets.metricsJob.call.totalMs >= budgets.metricsJob.runMs)
    problems.push("metricsJob.call.totalMs must be below metricsJob.runMs");
  if (budgets.preToken.call.totalMs >= budgets.preToken.lookupMs)
    problems.push("preToken.call.totalMs must be below preToken.lookupMs");
  if (budgets.preToken.lookupMs >= COGNITO_TRIGGER_LIMIT_MS)
    problems.push("preToken.lookupMs must be below Cognito's 5 s trigger limit");
  return problems;
}

/**
 * Resolves as `work` does, or rejects with `onTimeout()` once `ms` have passed. The work itself is not
 * cancelled: its own calls are bounded by their budgets, and its result, if it comes, is ignored.
 *
 * @example
 * await withinBudget(runMetricsJob(deps), BUDGETS.metricsJob.runMs, () => new Error("metrics job overran"));
 */
export function withinBudget<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
