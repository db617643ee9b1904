import { BUDGETS } from "./budgets.ts";

/**
 * Typed failures. Each class carries the HTTP status it maps to and a stable machine-readable `code`;
 * the API's single error handler turns them into `{ error: { code, message, requestId } }`.
 * Statuses are plain numbers: the core knows what a failure means, not how HTTP carries it.
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Extra machine-readable detail sent to clients (never for 5xx). */
  readonly details?: Record<string, unknown>;
  /** Sent as `Retry-After` when set: when the same request may succeed. */
  readonly retryAfterSeconds?: number;

  constructor(message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    if (details) this.details = details;
  }

  /** Whether the message may be shown to clients; 5xx messages are replaced by a generic one. */
  get expose(): boolean {
    return this.status < 500;
  }
}

export interface FieldIssue {
  /** Dotted path of the offending field, `(body)` or `(query)` for the whole value. */
  field: string;
  message: string;
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = "VALIDATION_FAILED";
  readonly issues: FieldIssue[];

  constructor(issues: FieldIssue[]) {
    const first = issues[0];
    super(first ? `${first.field}: ${first.message}` : "Invalid input", { issues });
    this.issues = issues;
  }
}

export class InvalidCursorError extends AppError {
  readonly status = 400;
  readonly code = "INVALID_CURSOR";

  constructor() {
    super("cursor: not a cursor issued by this API for this listing");
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code: "API_KEY_MISSING" | "API_KEY_INVALID";

  constructor(code: "API_KEY_MISSING" | "API_KEY_INVALID", message: string) {
    super(message);
    this.code = code;
  }
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = "NOT_FOUND";

  constructor(resource: string, id: string) {
    super(`${resource} ${id} not found`);
  }
}

export class IdempotencyKeyReusedError extends AppError {
  readonly status = 422;
  readonly code = "IDEMPOTENCY_KEY_REUSED";

  constructor() {
    super("Idempotency-Key was already used with a different request body");
  }
}

/** A dependency (the database) is throttling or unreachable: the client should retry later. */
export class DependencyUnavailableError extends AppError {
  readonly status = 503;
  readonly code = "SERVICE_UNAVAILABLE";
  override readonly retryAfterSeconds: number;

  constructor(dependency: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(`${dependency} is unavailable`);
    this.retryAfterSeconds = options.retryAfterSeconds ?? BUDGETS.http.retryAfterSeconds;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** Start-up configuration is missing or wrong; the message names the variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
