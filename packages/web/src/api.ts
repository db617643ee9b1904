import { RETRY, retryDelayMs } from "./backoff.ts";

/** Every call's budget: a stalled API yields an error (and a retry) instead of a spinner forever. */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * A failed API call. `status` is the HTTP status, or 0 when no answer came (network failure, timeout);
 * `code` is the API's stable `error.code` (or NETWORK, TIMEOUT, HTTP_<status> when the body had none).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** The `Retry-After` header as sent, when there was one. */
  readonly retryAfter: string | null;

  constructor(
    status: number,
    code: string,
    message: string,
    extra: { requestId?: string; details?: Record<string, unknown>; retryAfter?: string | null } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = extra.requestId;
    this.details = extra.details;
    this.retryAfter = extra.retryAfter ?? null;
  }

  /** Worth retrying as it is: the API (or the way to it) is overloaded or away, not refusing the request. */
  get retryable(): boolean {
    return (
      this.status === 0 ||
      this.status === 429 ||
      this.status === 502 ||
      this.status === 503 ||
      this.status === 504
    );
  }

  /** What a person should read: the API's message for 4xx, a plain sentence for everything else. */
  get userMessage(): string {
    if (this.retryable) return "Service unavailable — retrying…";
    if (this.status === 401) return "Your session has ended. Sign in again.";
    if (this.status === 403) return "You are not allowed to do that.";
    if (this.status >= 500) return `The service failed (request ${this.requestId ?? "unknown"}).`;
    return this.message;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Turns an error response into an ApiError: the API's body is `{ error: { code, message, requestId, details? } }`;
 * anything else (a proxy's HTML page, an empty body) still gives a usable code and message.
 *
 * @example
 * toApiError(409, { error: { code: "VERSION_CONFLICT", message: "…", requestId: "r1" } }, null).code // "VERSION_CONFLICT"
 */
export function toApiError(status: number, body: unknown, retryAfter: string | null): ApiError {
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  const code = typeof error?.code === "string" ? error.code : `HTTP_${status}`;
  const message = typeof error?.message === "string" ? error.message : `The API answered ${status}`;
  const extra: { requestId?: string; details?: Record<string, unknown>; retryAfter: string | null } = {
    retryAfter,
  };
  if (typeof error?.requestId === "string") extra.requestId = error.requestId;
  if (isObject(error?.details)) extra.details = error.details;
  return new ApiError(status, code, message, extra);
}

/** A failure before any answer: the timeout's abort, the caller's abort (rethrown as is), or the network. */
export function toTransportError(cause: unknown): ApiError {
  if (cause instanceof DOMException && cause.name === "TimeoutError") {
    return new ApiError(0, "TIMEOUT", `No answer within ${REQUEST_TIMEOUT_MS / 1000} s`);
  }
  return new ApiError(0, "NETWORK", "Could not reach the API");
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as `Idempotency-Key`; writes get a fresh one by default, the same one on every retry. */
  idempotencyKey?: string;
  /** Retry 503/429/network failures with backoff (default true). Off for a write that no key makes safe. */
  retry?: boolean;
  /** Aborts the call and its retries (a page that went away). */
  signal?: AbortSignal;
  /** Skip the browser's cache (the API lets it keep `GET /metrics` 30 s): right after a write. */
  fresh?: boolean;
}

export interface ApiClientOptions {
  baseUrl: string;
  /** The signed-in user's access token, read at each call (it is renewed in the background). */
  accessToken: () => string | undefined;
  /**
   * Called with true when a call starts waiting to retry an unavailable service, and with false when that
   * call ends, however it ends: several calls may be retrying at once.
   */
  onUnavailable?: (retrying: boolean) => void;
  /** Called on a 401 from a call that sent a token: the session has ended. */
  onUnauthorized?: () => void;
  fetch?: typeof fetch;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export type Method = "GET" | "POST" | "PATCH" | "DELETE";
export type Request = <T>(method: Method, path: string, options?: RequestOptions) => Promise<T>;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/**
 * The dashboard's one way to call the API: bearer token, JSON in and out, a 10 s budget per attempt, the
 * API's errors as ApiError, and retries with backoff (honouring `Retry-After`) for an unavailable service.
 * A write carries one `Idempotency-Key` across its retries, so a retry after a lost answer changes nothing.
 *
 * @example
 * const request = createRequest({ baseUrl: config.apiUrl, accessToken: () => user?.access_token });
 * const page = await request<EpochPage>("GET", "/epochs?limit=10");
 */
export function createRequest(options: ApiClientOptions): Request {
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;

  return async function request<T>(method: Method, path: string, call: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    const token = options.accessToken();
    if (token) headers.authorization = `Bearer ${token}`;
    if (call.body !== undefined) headers["content-type"] = "application/json";
    if (method !== "GET") headers["idempotency-key"] = call.idempotencyKey ?? crypto.randomUUID();
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);
    const attempts = call.retry === false ? 1 : RETRY.attempts;

    let retrying = false;
    try {
      for (let attempt = 1; ; attempt++) {
        let error: ApiError;
        try {
          const signal = call.signal
            ? AbortSignal.any([call.signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)])
            : AbortSignal.timeout(REQUEST_TIMEOUT_MS);
          const init: RequestInit = { method, headers, body, signal };
          if (call.fresh) init.cache = "no-cache";
          const response = await doFetch(`${options.baseUrl}${path}`, init);
          const text = await response.text();
          let parsed: unknown;
          try {
            parsed = text === "" ? undefined : JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          if (response.ok) return parsed as T;
          error = toApiError(response.status, parsed, response.headers.get("retry-after"));
        } catch (cause) {
          if (call.signal?.aborted) throw cause;
          error = toTransportError(cause);
        }
        if (error.status === 401 && token) options.onUnauthorized?.();
        if (!error.retryable || attempt >= attempts) throw error;
        if (!retrying) options.onUnavailable?.(true);
        retrying = true;
        await wait(retryDelayMs(attempt, error.retryAfter, random), call.signal);
      }
    } finally {
      // Once per call that waited, however it ended (answered, gave up, aborted): the caller counts them.
      if (retrying) options.onUnavailable?.(false);
    }
  };
}
