import type { CallBudget } from "@meridian/core";

interface RetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

/** What the SDK's retry middleware tells a strategy about a failed attempt (`RetryErrorInfo` of @smithy/types). */
interface RetryErrorInfo {
  errorType: "TRANSIENT" | "THROTTLING" | "SERVER_ERROR" | "CLIENT_ERROR";
}

class BudgetToken implements RetryToken {
  constructor(
    readonly startedAt: number,
    private readonly count: number,
    private readonly delay: number,
    /** What this retry took from the quota (given back when the call succeeds). */
    readonly cost = 0,
  ) {}

  getRetryCount(): number {
    return this.count;
  }

  getRetryDelay(): number {
    return this.delay;
  }
}

/**
 * The retry quota, as the SDK's standard strategy keeps one: a client starts with 500 tokens, a retry
 * costs 5 after throttling and 10 after a timeout or a 5xx, a call that succeeds gives its retry's cost
 * back (or 1 token when it needed none). An outage drains it within about 50 retries, and from then on
 * calls fail after one attempt instead of tripling the load on a dependency that is already struggling.
 */
export const RETRY_QUOTA = { capacity: 500, throttlingCost: 5, transientCost: 10, successRefund: 1 } as const;

/**
 * The SDK's standard retry rules (throttling and transient errors only, exponential backoff with full
 * jitter and a longer base after throttling, `maxAttempts`, a retry quota per client) with the one thing the
 * SDK's own strategies lack: a total budget. A retry is refused when its backoff plus one full attempt
 * would end after `totalMs` from the first attempt, so a call never takes longer than that, however the
 * dependency stalls. (The SDK's retry middleware sleeps the returned token's delay.)
 */
export class BudgetedRetryStrategy {
  readonly mode = "standard";
  private quota: number = RETRY_QUOTA.capacity;

  constructor(
    private readonly budget: CallBudget,
    private readonly now: () => number = Date.now,
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return new BudgetToken(this.now(), 0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const { maxAttempts, backoffBaseMs, throttlingBackoffBaseMs, attemptTimeoutMs, totalMs } = this.budget;
    const retries = token.getRetryCount();
    const throttled = errorInfo.errorType === "THROTTLING";
    if (!throttled && errorInfo.errorType !== "TRANSIENT") throw new Error("not retryable");
    if (retries + 1 >= maxAttempts) throw new Error("no attempts left");
    const cost = throttled ? RETRY_QUOTA.throttlingCost : RETRY_QUOTA.transientCost;
    if (this.quota < cost) throw new Error("retry quota spent");
    const startedAt = token instanceof BudgetToken ? token.startedAt : this.now();
    const base = throttled ? throttlingBackoffBaseMs : backoffBaseMs;
    const delay = Math.floor(Math.random() * base * 2 ** retries);
    if (this.now() - startedAt + delay + attemptTimeoutMs > totalMs) throw new Error("retry budget spent");
    this.quota -= cost;
    return new BudgetToken(startedAt, retries + 1, delay, cost);
  }

  recordSuccess(token: RetryToken): void {
    const refund = token instanceof BudgetToken && token.cost > 0 ? token.cost : RETRY_QUOTA.successRefund;
    this.quota = Math.min(RETRY_QUOTA.capacity, this.quota + refund);
  }

  /** Tokens left in the retry quota. */
  quotaLeft(): number {
    return this.quota;
  }
}
/**
 * The timeouts and retries of an AWS SDK v3 client, from one budget: spread into the client's config.
 *
 * @example
 * new SecretsManagerClient({ region, ...clientBudget(BUDGETS.secret) });
 */
export function clientBudget(budget: CallBudget) {
  return {
    maxAttempts: budget.maxAttempts,
    retryStrategy: new BudgetedRetryStrategy(budget),
    requestHandler: {
      connectionTimeout: budget.connectTimeoutMs,
      requestTimeout: budget.attemptTimeoutMs,
      // Without it the SDK only logs a warning when requestTimeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
    },
  };
}
