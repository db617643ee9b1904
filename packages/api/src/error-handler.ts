import { AppError, DependencyUnavailableError, type Logger } from "@meridian/core";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "./env.ts";
import { MethodNotAllowedError, RouteNotFoundError } from "./errors.ts";

const STATUS_CODES: Record<number, string> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "TOO_MANY_REQUESTS",
};

/** What every error response carries, whoever answers: the app, or the sandbox's transport refusals. */
export interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: Record<string, unknown> };
}

/**
 * The one definition of an error response's body: `{ error: { code, message, requestId } }`, plus `details`
 * when there are any. The error handler and the sandbox's transport-level refusals (`answerClientErrors`)
 * both build their bodies here, so the shape exists once.
 *
 * @example
 * errorBody("7d1c…", { code: "NOT_FOUND", message: "Epoch 42 not found" })
 * // { error: { code: "NOT_FOUND", message: "Epoch 42 not found", requestId: "7d1c…" } }
 */
export function errorBody(
  requestId: string,
  error: { code: string; message: string; details?: Record<string, unknown> },
): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message, requestId } };
  if (error.details) body.error.details = error.details;
  return body;
}

/**
 * The one place where failures become responses: `{ error: { code, message, requestId } }`.
 * 5xx responses carry a generic message; the real error goes to the log with the request id.
 */
export function errorHandler(logger: Logger) {
  return (err: Error, c: Context<AppEnv>) => {
    const requestId = c.get("requestId") ?? "unknown";
    let status = 500;
    let code = "INTERNAL";
    let message = "Internal server error";
    let details: Record<string, unknown> | undefined;

    if (err instanceof AppError) {
      status = err.status;
      code = err.code;
      if (err.expose) {
        message = err.message;
        details = err.details;
      }
      if (err instanceof DependencyUnavailableError) message = "Service temporarily unavailable, retry later";
      if (err.retryAfterSeconds !== undefined) c.header("Retry-After", String(err.retryAfterSeconds));
      if (err instanceof MethodNotAllowedError) c.header("Allow", err.allow.join(", "));
    } else if (err instanceof HTTPException && err.status < 500) {
      status = err.status;
      code = STATUS_CODES[status] ?? "BAD_REQUEST";
      message = err.message || code;
    }

    if (status >= 500) logger.error("request failed", { requestId, route: c.req.routePath, error: err });
    return c.json(errorBody(requestId, { code, message, details }), status as ContentfulStatusCode);
  };
}

/**
 * 405 with `Allow` when the path exists under other methods: Hono's `methodNotAllowed` finds them (a GET route
 * is also offered as HEAD, as Hono answers HEAD with the GET handler), this answers with the app's error body.
 * `withoutHead` names paths whose GET is not served as HEAD (`/`: a GET records a visit, a HEAD answers 405).
 */
export function methodNotAllowedAnswer(
  onError: (err: Error, c: Context<AppEnv>) => Response | Promise<Response>,
  withoutHead: readonly string[] = [],
) {
  const noHead = new Set(withoutHead);
  return (c: Context<AppEnv>, methods: string[]) => {
    const allow = methods.filter((m) => m !== "HEAD" || !noHead.has(c.req.path)).sort();
    return onError(new MethodNotAllowedError(c.req.method, allow), c);
  };
}

/** 404 for a path no route serves (`methodNotAllowed` turns it into a 405 when other methods serve it). */
export function notFoundHandler(onError: (err: Error, c: Context<AppEnv>) => Response | Promise<Response>) {
  return (c: Context<AppEnv>) => onError(new RouteNotFoundError(c.req.method), c);
}
