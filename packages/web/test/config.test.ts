import { describe, expect, it } from "vitest";
import { ConfigInvalidError, parseConfig } from "../src/config.ts";

const valid = {
  stage: "dev",
  apiUrl: "http://127.0.0.1:3000/",
  auth: {
    authority: "http://127.0.0.1:3000/_sandbox/issuer",
    clientId: "meridian-dashboard",
    logoutUrl: "http://127.0.0.1:3000/_sandbox/issuer/logout",
    scope: "openid profile",
  },
};

function problemsOf(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (error) {
    if (error instanceof ConfigInvalidError) return error.problems;
    throw error;
  }
  throw new Error("parseConfig accepted it");
}

describe("parseConfig", () => {
  it("returns the config typed, with trailing slashes taken off its URLs", () => {
    const config = parseConfig({
      ...valid,
      imagesUrl: "https://images.example.com/",
      reloadUrl: "/_dev/reload",
    });

    expect(config).toEqual({
      stage: "dev",
      apiUrl: "http://127.0.0.1:3000",
      imagesUrl: "https://images.example.com",
      reloadUrl: "/_dev/reload",
      auth: valid.auth,
    });
  });

  it("leaves the optional fields out when they are absent", () => {
    const config = parseConfig(valid);

    expect(config).not.toHaveProperty("imagesUrl");
    expect(config).not.toHaveProperty("reloadUrl");
  });

  it("names every missing or wrong field at once", () => {
    const problems = problemsOf({
      stage: "",
      apiUrl: "ftp://example.com",
      auth: { authority: "not a url", clientId: 7, logoutUrl: valid.auth.logoutUrl },
    });

    expect(problems).toEqual([
      "stage: missing or not a non-empty string",
      "apiUrl: not an http(s) URL",
      "auth.authority: not an http(s) URL",
      "auth.clientId: missing or not a non-empty string",
      "auth.scope: missing or not a non-empty string",
    ]);
  });

  it("refuses a config without auth, and anything that is not an object", () => {
    expect(problemsOf({ stage: "dev", apiUrl: "http://127.0.0.1:3000" })).toEqual([
      "auth: missing (an object with authority, clientId, logoutUrl, scope)",
    ]);
    expect(problemsOf([valid])).toEqual(["not a JSON object"]);
    expect(problemsOf(null)).toEqual(["not a JSON object"]);
  });

  it("refuses an optional URL that is present but wrong", () => {
    expect(problemsOf({ ...valid, imagesUrl: "javascript:alert(1)" })).toEqual([
      "imagesUrl: not an http(s) URL",
    ]);
  });
});
