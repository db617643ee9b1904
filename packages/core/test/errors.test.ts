import {
  AppError,
  ConfigError,
  DependencyUnavailableError,
  IdempotencyKeyReusedError,
  InvalidCursorError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
} from "@meridian/core";
import { describe, expect, it } from "vitest";

describe("typed errors", () => {
  it.each([
    {
      error: new ValidationError([{ field: "label", message: "Too long" }]),
      status: 400,
      code: "VALIDATION_FAILED",
    },
    { error: new InvalidCursorError(), status: 400, code: "INVALID_CURSOR" },
    {
      error: new UnauthorizedError("API_KEY_MISSING", "x-api-key header is required"),
      status: 401,
      code: "API_KEY_MISSING",
    },
    { error: new UnauthorizedError("API_KEY_INVALID", "unknown"), status: 401, code: "API_KEY_INVALID" },
    { error: new NotFoundError("Epoch", "abc"), status: 404, code: "NOT_FOUND" },
    { error: new IdempotencyKeyReusedError(), status: 422, code: "IDEMPOTENCY_KEY_REUSED" },
  ])("$error.name carries $status $code and may be shown to clients", ({ error, status, code }) => {
    // Assess
    expect(error).toBeInstanceOf(AppError);
    expect(error).toBeInstanceOf(Error);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.expose).toBe(true);
    expect(error.name).toBe(error.constructor.name);
  });

  it("hides DependencyUnavailableError (503) from clients and keeps its cause and retry hint", () => {
    // Prepare
    const cause = new Error("ECONNREFUSED 10.0.0.1:443");

    // Act
    const error = new DependencyUnavailableError("database", { cause, retryAfterSeconds: 5 });
    const defaults = new DependencyUnavailableError("database");

    // Assess
    expect(error.status).toBe(503);
    expect(error.code).toBe("SERVICE_UNAVAILABLE");
    expect(error.expose).toBe(false);
    expect(error.cause).toBe(cause);
    expect(error.retryAfterSeconds).toBe(5);
    expect(error.message).toBe("database is unavailable");
    expect(defaults.retryAfterSeconds).toBe(1);
    expect(defaults.cause).toBeUndefined();
  });

  it("exposes exactly the statuses below 500", () => {
    // Prepare
    class Custom extends AppError {
      readonly code = "CUSTOM";
      constructor(readonly status: number) {
        super("custom");
      }
    }

    // Act
    const exposed = [400, 499, 500, 502, 599].map((status) => new Custom(status).expose);

    // Assess
    expect(exposed).toEqual([true, true, false, false, false]);
  });

  it("names the first field in a ValidationError message and keeps all issues as details", () => {
    // Prepare
    const issues = [
      { field: "label", message: "Too long" },
      { field: "extra", message: "Unrecognized key" },
    ];

    // Act
    const error = new ValidationError(issues);
    const empty = new ValidationError([]);

    // Assess
    expect(error.message).toBe("label: Too long");
    expect(error.issues).toEqual(issues);
    expect(error.details).toEqual({ issues });
    expect(empty.message).toBe("Invalid input");
  });

  it("says which resource and id were not found", () => {
    // Act
    const error = new NotFoundError("Epoch", "0190a5c2-7d1e-7b3a-9c4f-1a2b3c4d5e6f");

    // Assess
    expect(error.message).toBe("Epoch 0190a5c2-7d1e-7b3a-9c4f-1a2b3c4d5e6f not found");
    expect(error.details).toBeUndefined();
  });

  it("keeps ConfigError outside the HTTP mapping", () => {
    // Act
    const error = new ConfigError("TABLE_EPOCHS is required");

    // Assess
    expect(error).not.toBeInstanceOf(AppError);
    expect(error.name).toBe("ConfigError");
    expect(error.message).toBe("TABLE_EPOCHS is required");
  });
});
