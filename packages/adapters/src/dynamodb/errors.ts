import { DependencyUnavailableError } from "@meridian/core";

const RETRYABLE = new Set([
  "ProvisionedThroughputExceededException",
  "ThrottlingException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "TimeoutError",
  "RequestTimeout",
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

function isUnavailable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as {
    name?: string;
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (RETRYABLE.has(e.name ?? "") || RETRYABLE.has(e.code ?? "")) return true;
  if (e.$retryable) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return true;
  const cause = (error as { cause?: unknown }).cause;
  return cause !== undefined && cause !== error && isUnavailable(cause);
}

/**
 * Runs a DynamoDB call; throttling, 5xx and network failures become DependencyUnavailableError (503 with
 * Retry-After). Anything else (a bug, a missing table) propagates and ends as a 500.
 */
export async function dynamo<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isUnavailable(error)) throw new DependencyUnavailableError("database", { cause: error });
    throw error;
  }
}
