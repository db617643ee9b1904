import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ApiKeyHasher, createCursorCodec, parseAppSecret } from "@meridian/core";
import { describe, expect, it } from "vitest";

const CLI = fileURLToPath(new URL("../src/app-secret-cli.ts", import.meta.url));
const PLAIN = "a-plain-deployed-secret-0123456789abcdefghijkl";

/** Runs the CLI as `npm run -s app-secret -- ...args` does, with `input` on stdin (pipes, no terminal). */
function run(
  args: string[],
  input: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, ...args], { stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe("npm run app-secret", () => {
  it("rotate: reads a plain secret as get-secret-value --output text prints it and writes a ring with version 2 current", async () => {
    // Act
    const { code, stdout, stderr } = await run(["rotate"], `${PLAIN}\n`);

    // Assess
    expect(code).toBe(0);
    const ring = parseAppSecret(stdout);
    expect(ring.current).toBe("2");
    expect(ring.secrets["1"]).toBe(PLAIN);
    expect(ring.secrets["2"]).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(stderr).toMatch(/Added version 2 and made it current; versions held: 1, 2/);
    expect(stderr).not.toContain(PLAIN);
    expect(stderr).not.toContain(ring.secrets["2"]);
    // The version 1 pepper is the plain secret exactly, without the line break: old keys and cursors hold.
    const key = "dev-key-from-the-environment-123";
    expect(new ApiKeyHasher(JSON.stringify({ current: "1", secrets: ring.secrets })).hash(key)).toBe(
      new ApiKeyHasher(PLAIN).hash(key),
    );
    const cursor = createCursorCodec(PLAIN).encode("epochs", { before: "x" });
    expect(createCursorCodec(stdout).decode("epochs", cursor)).toEqual({ before: "x" });
  });

  it("retire: drops an old version from the piped ring", async () => {
    // Prepare
    const rotated = (await run(["rotate"], PLAIN)).stdout;

    // Act
    const { code, stdout, stderr } = await run(["retire", "1"], rotated);

    // Assess
    expect(code).toBe(0);
    expect(parseAppSecret(stdout)).toEqual({
      current: "2",
      secrets: { "2": parseAppSecret(rotated).secrets["2"] },
    });
    expect(stderr).toMatch(/Retired version 1; versions held: 2/);
  });

  it.each([
    ["retire the current version", ["retire", "1"], PLAIN, 1, /Refused: version 1 is the current one/],
    ["a secret too short", ["rotate"], "short\n", 1, /Refused: .*at least 32 characters/],
    ["white space the AWS CLI does not add", ["rotate"], ` ${PLAIN}\n`, 1, /white space/],
    ["nothing piped in (get-secret-value failed)", ["rotate"], "", 1, /Refused/],
    ["an unknown command", ["rotat"], PLAIN, 2, /Unknown command "rotat"/],
    ["retire without a version", ["retire"], PLAIN, 2, /Usage/],
  ])("refuses %s: nothing on stdout, the reason on stderr", async (_, args, input, expected, message) => {
    // Act
    const { code, stdout, stderr } = await run(args, input);

    // Assess
    expect(code).toBe(expected);
    expect(stdout).toBe("");
    expect(stderr).toMatch(message);
    expect(stderr).not.toContain(PLAIN);
  });
});
