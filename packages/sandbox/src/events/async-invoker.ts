import { randomUUID } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * An entry of the on-failure destination of an asynchronous invocation, as Lambda sends it to an SQS, SNS or
 * S3 destination: the event it gave up on (`requestPayload`) and why.
 */
export interface AsyncFailureRecord<E = unknown> {
  version: "1.0";
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: "RetriesExhausted";
    approximateInvokeCount: number;
  };
  requestPayload: E;
  responseContext: { statusCode: 200; executedVersion: "$LATEST"; functionError: "Unhandled" };
  responsePayload: { errorType: string; errorMessage: string };
}

export interface AsyncInvokerOptions<E> {
  /** The function's name: its destination file is `<stateDir>/<name>.failed.jsonl`. */
  name: string;
  handler: (event: E) => Promise<unknown>;
  stateDir: string;
  /**
   * Lambda retries an asynchronous invocation that failed twice, 1 then 2 minutes later (maximum retry
   * attempts 2, the default); the sandbox keeps the count and shortens the waits. Default [1000, 2000].
   */
  retryDelaysMs?: readonly number[];
  /** Called after each attempt (logs; tests). */
  onAttempt?: (attempt: { requestId: string; attempt: number; error?: unknown }) => void;
}

export interface AsyncInvoker<E> {
  /** Queues `event` as Lambda's `InvocationType: Event` does: accepted at once, run in the background. */
  invoke(event: E): void;
  /** Resolves when nothing is running or waiting for a retry (tests, benches). */
  idle(): Promise<void>;
  /** Stops taking events and waits for those running; pending retries are dropped into the destination. */
  stop(): Promise<void>;
}

/** Where the sandbox lists and redrives the on-failure destinations of its asynchronous invocations. */
export const EVENTS_PATH = "/_sandbox/events";

export const asyncDestinationPath = (stateDir: string, name: string) =>
  join(stateDir, `${name}.failed.jsonl`);

/**
 * Runs a handler for events the way Lambda's asynchronous invocation does: each event is invoked once,
 * retried after a failure with the configured waits, and after the last failure written to the on-failure
 * destination, a JSON-lines file you can list and redrive (`listAsyncFailures`, `redriveAsyncFailures`).
 */
export function startAsyncInvoker<E>(options: AsyncInvokerOptions<E>): AsyncInvoker<E> {
  const delays = options.retryDelaysMs ?? [1_000, 2_000];
  const running = new Set<Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  let waiters: (() => void)[] = [];

  const settle = () => {
    if (running.size > 0 || timers.size > 0) return;
    const done = waiters;
    waiters = [];
    for (const resolve of done) resolve();
  };

  const fail = (event: E, requestId: string, attempts: number, error: unknown) => {
    const failure: AsyncFailureRecord<E> = {
      version: "1.0",
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId,
        functionArn: `arn:aws:lambda:local:000000000000:function:${options.name}:$LATEST`,
        condition: "RetriesExhausted",
        approximateInvokeCount: attempts,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: {
        errorType: error instanceof Error ? error.name : "Error",
        errorMessage: error instanceof Error ? error.message : String(error),
      },
    };
    const file = asyncDestinationPath(options.stateDir, options.name);
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify(failure)}\n`);
  };

  const attempt = (event: E, requestId: string, n: number) => {
    const run = (async () => {
      try {
        await options.handler(event);
        options.onAttempt?.({ requestId, attempt: n });
      } catch (error) {
        options.onAttempt?.({ requestId, attempt: n, error });
        const wait = delays[n - 1];
        if (wait === undefined || stopping) return fail(event, requestId, n, error);
        const timer = setTimeout(() => {
          timers.delete(timer);
          attempt(event, requestId, n + 1);
        }, wait);
        timers.add(timer);
      }
    })();
    running.add(run);
    void run.finally(() => {
      running.delete(run);
      settle();
    });
  };

  return {
    invoke(event) {
      if (stopping) throw new Error(`${options.name}: the event runner is stopped`);
      attempt(event, randomUUID(), 1);
    },
    idle: () =>
      new Promise<void>((resolve) => {
        waiters.push(resolve);
        settle();
      }),
    async stop() {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.allSettled([...running]);
      settle();
    },
  };
}

/** The destination's entries, oldest first (none without a file). */
export function listAsyncFailures<E = unknown>(stateDir: string, name: string): AsyncFailureRecord<E>[] {
  const file = asyncDestinationPath(stateDir, name);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as AsyncFailureRecord<E>);
}

/**
 * Invokes `handler` again with each entry's event, in order; entries that now succeed leave the file, the
 * others stay. The handler must be idempotent (the image processor is: a processed upload is skipped).
 */
export async function redriveAsyncFailures<E>(
  stateDir: string,
  name: string,
  handler: (event: E) => Promise<unknown>,
): Promise<{ redriven: number; stillFailing: number }> {
  const file = asyncDestinationPath(stateDir, name);
  const original = existsSync(file) ? readFileSync(file, "utf8") : "";
  const entries = listAsyncFailures<E>(stateDir, name);
  const kept: AsyncFailureRecord<E>[] = [];
  for (const entry of entries) {
    try {
      await handler(entry.requestPayload);
    } catch (error) {
      kept.push({
        ...entry,
        timestamp: new Date().toISOString(),
        responsePayload: {
          errorType: error instanceof Error ? error.name : "Error",
          errorMessage: error instanceof Error ? error.message : String(error),
        },
      });
    }
  }
  if (entries.length > 0) {
    // What a running sandbox appended meanwhile stays.
    const appended = readFileSync(file, "utf8").slice(original.length);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, kept.map((entry) => `${JSON.stringify(entry)}\n`).join("") + appended);
    renameSync(temp, file);
  }
  return { redriven: entries.length - kept.length, stillFailing: kept.length };
}
