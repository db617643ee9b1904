import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";
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

/*
 * Whether a conditional put of a record with a fresh id (`attribute_not_exists`) failed only because an
 * earlier attempt of the same call landed: the SDK retried after a timeout or a lost response, and its
 * second attempt found the first one's item. A fresh UUID never collides otherwise, so the write is done.
 */
function landedOnEarlierAttempt(error: unknown): boolean {
  return error instanceof ConditionalCheckFailedException && (error.$metadata?.attempts ?? 1) > 1;
}

/**
 * Runs the conditional put of a record with a fresh id, as `dynamo` does, and counts a put whose earlier
 * attempt landed as done: a timed-out attempt that DynamoDB applied must not turn into a 500.
 */
export async function putNew(call: () => Promise<unknown>): Promise<void> {
  try {
    await dynamo(call);
  } catch (error) {
    if (!landedOnEarlierAttempt(error)) throw error;
  }
}

/**
 * A short random pause before trying a transaction again that lost to another on the same items
 * (TransactionConflict), growing with the attempt so that the writers spread out.
 */
export function afterConflict(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
}
