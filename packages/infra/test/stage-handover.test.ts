import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The sandbox's `npm run dlq` and `npm run token` hand over to the stage commands when given --stage: run
// the real CLIs (no AWS here, so no credentials) and see the stage command answer, not the sandbox's.
const tsx = createRequire(import.meta.url).resolve("tsx/cli");
const env = {
  PATH: process.env.PATH,
  HOME: "/nonexistent",
  AWS_EC2_METADATA_DISABLED: "true",
  AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
  AWS_CONFIG_FILE: "/nonexistent/config",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};
const run = (script: string, args: string[]) =>
  spawnSync(
    process.execPath,
    [tsx, fileURLToPath(new URL(`../../sandbox/src/cli/${script}.ts`, import.meta.url)), ...args],
    {
      encoding: "utf8",
      env,
      timeout: 60_000,
    },
  );

describe("the sandbox CLIs with --stage", () => {
  it("npm run dlq -- list --stage <s> checks AWS credentials instead of reading .meridian/", () => {
    const result = run("dlq", ["list", "--stage", "dev"]);
    expect(result.stderr).toMatch(/^No usable AWS credentials for stage dev in us-east-1 \(/);
    expect(result.stderr).toContain("aws configure sso");
    expect(result.stdout).toBe("");
    expect(result.status).toBe(1);
  });

  it("npm run token -- --stage <s> without --email prints the stage command's usage", () => {
    const result = run("token", ["--stage", "dev"]);
    expect(result.stderr).toMatch(
      /^--email <address> is required with --stage\n\nUsage: npm run -s token -- --stage <name>/,
    );
    expect(result.stdout).toBe("");
    expect(result.status).toBe(2);
  });
});
