import {
  APP_SECRET_MIN_LENGTH,
  ConfigError,
  parseAppSecret,
  retireAppSecret,
  rotateAppSecret,
} from "@meridian/core";
import { describe, expect, it } from "vitest";

const ONE = "first-secret-0123456789abcdefghijklmnop";
const TWO = "second-secret-0123456789abcdefghijklmnop";
const ring = (current: string, secrets: Record<string, string>) => JSON.stringify({ current, secrets });

/** The ConfigError `act` throws; fails the test when it throws nothing or something else. */
function configErrorOf(act: () => unknown): ConfigError {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseAppSecret", () => {
  it("reads a plain string as version 1, exactly as given", () => {
    // Prepare
    const plain = ` ${ONE}\n`;

    // Act
    const secret = parseAppSecret(plain);

    // Assess
    expect(secret).toEqual({ current: "1", secrets: { "1": plain } });
  });

  it("reads the JSON form with its current version and every secret", () => {
    // Act
    const secret = parseAppSecret(ring("2", { "1": ONE, "2": TWO }));

    // Assess
    expect(secret).toEqual({ current: "2", secrets: { "1": ONE, "2": TWO } });
  });

  it("accepts white space around the JSON form", () => {
    expect(parseAppSecret(`\n  ${ring("1", { "1": ONE })}\n`)).toEqual({
      current: "1",
      secrets: { "1": ONE },
    });
  });

  it.each([
    [
      "a plain string under 32 characters",
      "x".repeat(APP_SECRET_MIN_LENGTH - 1),
      /must be at least 32 characters/,
    ],
    ["an empty string", "", /must be at least 32 characters/],
    ["text that starts like JSON and is not", `{"current":"1","secrets":{"1":"${ONE}"`, /not valid JSON/],
    [
      "a current version the ring lacks",
      ring("3", { "1": ONE, "2": TWO }),
      /current: names a version that is not/,
    ],
    [
      "a secret under 32 characters",
      ring("1", { "1": ONE, "2": "short-secret" }),
      /secrets\.2: must be at least 32/,
    ],
    [
      "a version with a leading zero",
      ring("1", { "1": ONE, "02": TWO }),
      /secrets\.02: a version is a whole number/,
    ],
    [
      "a version that is not a number",
      ring("1", { "1": ONE, two: TWO }),
      /secrets\.two: a version is a whole/,
    ],
    ["version 0", ring("0", { "0": ONE }), /current: a version is a whole number/],
    [
      "a secret that is not a string",
      JSON.stringify({ current: "1", secrets: { "1": 12345 } }),
      /secrets\.1/,
    ],
    ["no secrets", JSON.stringify({ current: "1" }), /secrets/],
    ["a misspelt field", JSON.stringify({ curent: "1", secrets: { "1": ONE } }), /curent/],
    ["secrets as an array", JSON.stringify({ current: "1", secrets: [ONE] }), /secrets: .*expected record/],
  ])("refuses %s with a ConfigError that names the problem and no secret", (_, text, problem) => {
    // Act
    const error = configErrorOf(() => parseAppSecret(text, "APP_SECRET"));

    // Assess
    expect(error.message).toMatch(/^APP_SECRET is invalid: /);
    expect(error.message).toMatch(problem);
    for (const secret of [ONE, TWO, "short-secret"]) expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(text.length > 0 ? text : "\u0000");
  });
});

describe("rotateAppSecret", () => {
  it("turns a plain secret into version 1 of a ring whose new version 2 is current", () => {
    // Act
    const text = rotateAppSecret(ONE, TWO);

    // Assess
    expect(text).toBe(ring("2", { "1": ONE, "2": TWO }));
  });

  it("adds one above the highest version, whatever the current one is, keeping every other", () => {
    // Prepare
    const before = ring("3", { "10": `${ONE}10`, "3": `${ONE}3` });

    // Act
    const after = parseAppSecret(rotateAppSecret(before, TWO));

    // Assess
    expect(after).toEqual({ current: "11", secrets: { "3": `${ONE}3`, "10": `${ONE}10`, "11": TWO } });
  });

  it("generates 48 random bytes in base64url when no secret is given, a new one each time", () => {
    // Act
    const first = parseAppSecret(rotateAppSecret(ONE)).secrets["2"] ?? "";
    const second = parseAppSecret(rotateAppSecret(ONE)).secrets["2"] ?? "";

    // Assess
    expect(first).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(Buffer.from(first, "base64url")).toHaveLength(48);
    expect(second).not.toBe(first);
  });

  it.each([
    ["a new secret under 32 characters", ONE, "short-secret", /at least 32 characters/],
    ["a new secret already in the ring", ring("2", { "1": ONE, "2": TWO }), ONE, /already one of/],
    ["text that is no app secret", "too-short", TWO, /must be at least 32 characters/],
  ])("refuses %s", (_, text, newSecret, problem) => {
    // Act
    const error = configErrorOf(() => rotateAppSecret(text, newSecret));

    // Assess
    expect(error.message).toMatch(problem);
    expect(error.message).not.toContain(ONE);
  });
});

describe("retireAppSecret", () => {
  it("drops a version that is not current and keeps the rest", () => {
    // Act
    const text = retireAppSecret(ring("2", { "1": ONE, "2": TWO }), "1");

    // Assess
    expect(text).toBe(ring("2", { "2": TWO }));
  });

  it("refuses the current version", () => {
    // Act
    const error = configErrorOf(() => retireAppSecret(ring("2", { "1": ONE, "2": TWO }), "2"));

    // Assess
    expect(error.message).toMatch(/version 2 is the current one/);
  });

  it("refuses a version the ring does not hold, naming those it holds", () => {
    // Act
    const error = configErrorOf(() => retireAppSecret(ring("2", { "1": ONE, "2": TWO }), "3"));

    // Assess
    expect(error.message).toMatch(/no version "3" \(it holds 1, 2\)/);
  });

  it("refuses to retire the only version of a plain secret", () => {
    expect(() => retireAppSecret(ONE, "1")).toThrow(/current one/);
  });
});
