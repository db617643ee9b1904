import { randomUUID } from "node:crypto";
import type { Context, DynamoDBStreamHandler } from "aws-lambda";
import type { LambdaStreamRecord } from "./records.ts";

/**
 * How one invocation ended, read the way Lambda reads a stream function's response:
 * - `success`: returned normally; with ReportBatchItemFailures also a null/empty response or an empty
 *   or null `batchItemFailures` list;
 * - `partial`: ReportBatchItemFailures and valid item identifiers: retry from the lowest one
 *   (`failedIndex` is its position in the batch);
 * - `invalid`: ReportBatchItemFailures and an empty/null identifier, one not in the batch, or a response
 *   that is not `{batchItemFailures: [...]}`: the whole batch failed;
 * - `error`: the function threw (a function error, the only case that bisects).
 */
export type InvokeResult =
  | { kind: "success" }
  | { kind: "partial"; failedIndex: number; itemIdentifier: string }
  | { kind: "invalid"; reason: string }
  | { kind: "error"; error: unknown };

export interface InvokeOptions {
  functionName: string;
  functionArn?: string;
  reportBatchItemFailures: boolean;
}

function lambdaContext(options: InvokeOptions): Context {
  const requestId = randomUUID();
  const unsupported = () => {
    throw new Error("callback-style context methods are not supported; return a promise");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: options.functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn:
      options.functionArn ?? `arn:aws:lambda:ddblocal:000000000000:function:${options.functionName}`,
    memoryLimitInMB: "128",
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${options.functionName}`,
    logStreamName: `sandbox/[$LATEST]${requestId.replaceAll("-", "")}`,
    // There is no timeout in the sandbox; report Lambda's maximum (15 minutes).
    getRemainingTimeInMillis: () => 900_000,
    done: unsupported,
    fail: unsupported,
    succeed: unsupported,
  };
}

function call(handler: DynamoDBStreamHandler, records: LambdaStreamRecord[], options: InvokeOptions) {
  return new Promise<unknown>((resolve, reject) => {
    // The function gets its own copy, as it would get freshly parsed JSON in Lambda: a handler that
    // mutates its event must not change what a retry delivers.
    const event = { Records: structuredClone(records) };
    const returned = handler(event, lambdaContext(options), (error, result) =>
      error ? reject(error) : resolve(result),
    );
    if (returned && typeof (returned as Promise<unknown>).then === "function") {
      (returned as Promise<unknown>).then(resolve, reject);
    } else if (handler.length < 3) {
      // A synchronous handler that takes no callback is done when it returns.
      resolve(returned);
    }
  });
}

export function interpretResponse(
  response: unknown,
  records: readonly LambdaStreamRecord[],
  reportBatchItemFailures: boolean,
): InvokeResult {
  if (!reportBatchItemFailures || response === undefined || response === null) return { kind: "success" };
  if (typeof response !== "object" || Array.isArray(response)) {
    return {
      kind: "invalid",
      reason: `response is not {batchItemFailures: [...]}: ${JSON.stringify(response)}`,
    };
  }
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: "success" };
  if (!Array.isArray(failures)) {
    return { kind: "invalid", reason: "batchItemFailures is not a list" };
  }
  if (failures.length === 0) return { kind: "success" };
  let failedIndex = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index =
      typeof id === "string" && id !== "" ? records.findIndex((r) => r.dynamodb.SequenceNumber === id) : -1;
    if (index < 0) {
      return {
        kind: "invalid",
        reason: `itemIdentifier ${JSON.stringify(id)} is not a sequence number of the batch`,
      };
    }
    failedIndex = Math.min(failedIndex, index);
  }
  const failed = records[failedIndex];
  if (!failed) return { kind: "invalid", reason: "no batch item failure found" };
  return { kind: "partial", failedIndex, itemIdentifier: failed.dynamodb.SequenceNumber };
}

/** Invokes a Lambda stream handler in process with `{Records}` and classifies the outcome. */
export async function invokeHandler(
  handler: DynamoDBStreamHandler,
  records: LambdaStreamRecord[],
  options: InvokeOptions,
): Promise<InvokeResult> {
  let response: unknown;
  try {
    response = await call(handler, records, options);
  } catch (error) {
    return { kind: "error", error };
  }
  return interpretResponse(response, records, options.reportBatchItemFailures);
}
