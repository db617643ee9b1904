import { ConfigError, numberFromText, parseEnv } from "@meridian/core";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";

const Schema = z.object({
  TABLE_EPOCHS: z.string().check(z.minLength(3)),
  DYNAMODB_ENDPOINT: z.url(),
  CACHE_TTL_SECONDS: z._default(numberFromText().check(z.int(), z.minimum(0)), 30),
  REGION: z.optional(z.string()),
});

function configErrorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    parseEnv(Schema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("parseEnv accepted the environment");
}

describe("parseEnv", () => {
  it("returns the typed, coerced and defaulted configuration", () => {
    // Act
    const config = parseEnv(Schema, {
      TABLE_EPOCHS: "dev-epochs",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
      CACHE_TTL_SECONDS: "5",
      UNRELATED: "ignored",
    });

    // Assess
    expect(config).toEqual({
      TABLE_EPOCHS: "dev-epochs",
      DYNAMODB_ENDPOINT: "http://127.0.0.1:8000",
      CACHE_TTL_SECONDS: 5,
    });
    expect(parseEnv(Schema, { TABLE_EPOCHS: "abc", DYNAMODB_ENDPOINT: "http://x" }).CACHE_TTL_SECONDS).toBe(
      30,
    );
  });

  it("names every missing variable as required", () => {
    // Act
    const error = configErrorOf({});

    // Assess
    expect(error.name).toBe("ConfigError");
    expect(error.message).toContain("TABLE_EPOCHS is required");
    expect(error.message).toContain("DYNAMODB_ENDPOINT is required");
    expect(error.message).not.toContain("REGION");
    expect(error.message).not.toContain("CACHE_TTL_SECONDS");
  });

  it("names every invalid variable with the reason, without echoing its value", () => {
    // Act
    const error = configErrorOf({
      TABLE_EPOCHS: "ab",
      DYNAMODB_ENDPOINT: "not a url",
      CACHE_TTL_SECONDS: "soon",
    });

    // Assess
    expect(error.message).toMatch(/^Invalid configuration: /);
    expect(error.message).toMatch(/TABLE_EPOCHS is invalid: .+/);
    expect(error.message).toMatch(/DYNAMODB_ENDPOINT is invalid: .+/);
    expect(error.message).toMatch(/CACHE_TTL_SECONDS is invalid: .+/);
    expect(error.message).not.toContain("not a url");
    expect(error.message).not.toContain("soon");
  });

  it("reports a missing and an invalid variable together", () => {
    // Act
    const error = configErrorOf({ DYNAMODB_ENDPOINT: "ftp//nowhere" });

    // Assess
    expect(error.message).toContain("TABLE_EPOCHS is required");
    expect(error.message).toContain("DYNAMODB_ENDPOINT is invalid");
  });
});
