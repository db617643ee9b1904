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
  ) {}

  getRetryCount(): number {
    return this.count;
  }

  getRetryDelay(): number {
    return this.delay;
  }
}

/**
 * The SDK's standard retry rules (throttling and transient errors only, exponential backoff with full
 * jitter, `maxAttempts`) with the one thing the SDK's own strategies lack: a total budget. A retry is
 * refused when the backoff plus one full attempt would end after `totalMs` from the first attempt, so a
 * call never takes longer than that, however the dependency stalls. (The middleware sleeps the returned
 * token's delay.) The SDK's retry quota is left out: the budget bounds the retries of a call, and the
 * callers' deadlines bound the calls.
 */
export class BudgetedRetryStrategy {
  readonly mode = "standard";

  constructor(
    private readonly budget: CallBudget,
    private readonly now: () => number = Date.now,
  ) {}

  async acquireInitialRetryToken(_scope: string): Promise<RetryToken> {
    return new BudgetToken(this.now(), 0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const { maxAttempts, backoffBaseMs, attemptTimeoutMs, totalMs } = this.budget;
    const retries = token.getRetryCount();
    if (errorInfo.errorType !== "THROTTLING" && errorInfo.errorType !== "TRANSIENT")
      throw new Error("not retryable");
    if (retries + 1 >= maxAttempts) throw new Error("no attempts left");
    const startedAt = token instanceof BudgetToken ? token.startedAt : this.now();
    const delay = Math.floor(Math.random() * backoffBaseMs * 2 ** retries);
    if (this.now() - startedAt + delay + attemptTimeoutMs > totalMs) throw new Error("retry budget spent");
    return new BudgetToken(startedAt, retries + 1, delay);
  }

  recordSuccess(_token: RetryToken): void {}
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
