import { ConfigError } from "@meridian/core";
import { resolveAppSecret } from "@meridian/functions";
import { describe, expect, it } from "vitest";

const ONE = "functions-secret-test-version-1-0123456789";
const TWO = "functions-secret-test-version-2-0123456789";

describe("resolveAppSecret with APP_SECRET set (the sandbox, tests)", () => {
  it("reads a plain value as version 1", async () => {
    await expect(resolveAppSecret(ONE)).resolves.toEqual({ current: "1", secrets: { "1": ONE } });
  });

  it("reads the JSON ring", async () => {
    // Prepare
    const text = JSON.stringify({ current: "2", secrets: { "1": ONE, "2": TWO } });

    // Act / Assess
    await expect(resolveAppSecret(text)).resolves.toEqual({ current: "2", secrets: { "1": ONE, "2": TWO } });
  });

  it("stops the cold start naming APP_SECRET, never the value, when the ring is wrong", async () => {
    // Prepare
    const text = JSON.stringify({ current: "3", secrets: { "1": ONE } });

    // Act
    const result = resolveAppSecret(text);

    // Assess
    await expect(result).rejects.toBeInstanceOf(ConfigError);
    await expect(result).rejects.toThrow(
      /^APP_SECRET is invalid: current: names a version that is not in secrets$/,
    );
  });
});
