import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const homes: string[] = [];
const started: ChildProcess[] = [];
afterAll(() => {
  // Whatever a failed test left: only the pids this file started.
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** pid → parent pid, for every process now (Linux /proc). */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      map.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // It ended meanwhile.
    }
  }
  return map;
}

/** `root` and every process below it. */
function tree(root: number): number[] {
  const all = parents();
  const found = [root];
  for (let i = 0; i < found.length; i++)
    for (const [pid, ppid] of all) if (ppid === found[i]) found.push(pid);
  return found;
}

function running(pid: number): boolean {
  try {
    // A zombie has ended; only its parent has not read its status yet.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return existsSync(`/proc/${pid}`);
  }
}

interface Started {
  npm: ChildProcess;
  pids: number[];
  enginePid: number;
  /** The sandbox's own Node process: the JVM's parent. */
  sandboxPid: number;
}

/** `npm start` as a user runs it, until its banner; then every process of its tree. */
function npmStart(): Promise<Started> {
  const home = mkdtempSync(join(tmpdir(), "meridian-stop-"));
  homes.push(home);
  const npm = spawn("npm", ["start", "--", "--in-memory", "--port", "0", "--dashboard", "off"], {
    cwd: ROOT,
    env: { ...process.env, MERIDIAN_HOME: home, MERIDIAN_RELOAD: "off" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  started.push(npm);
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const engine = output.match(/DynamoDB .*\(pid (\d+)/)?.[1];
      if (!engine || !output.includes("Press Ctrl-C") || !npm.pid) return;
      const enginePid = Number(engine);
      const sandboxPid = parents().get(enginePid) ?? -1;
      resolve({ npm, pids: tree(npm.pid), enginePid, sandboxPid });
    };
    npm.stdout?.on("data", onData);
    npm.stderr?.on("data", onData);
    npm.once("exit", (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

async function allGone(pids: number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = pids.filter(running);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("stopping npm start", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s to npm alone stops every process of the sandbox",
    async (signal) => {
      const { npm, pids, enginePid, sandboxPid } = await npmStart();
      // npm, tsx's CLI, the sandbox, the JVM (and esbuild's service, tsx's transformer).
      expect(pids.length).toBeGreaterThanOrEqual(4);
      expect(pids).toContain(enginePid);
      expect(pids).toContain(sandboxPid);

      npm.kill(signal);

      expect(await allGone(pids)).toEqual([]);
    },
    60_000,
  );

  it("SIGKILL to npm (nothing forwarded) stops every process of the sandbox", async () => {
    const { npm, pids } = await npmStart();

    npm.kill("SIGKILL");

    expect(await allGone(pids)).toEqual([]);
  }, 60_000);

  it("SIGKILL to the sandbox's Node process takes the JVM, tsx and npm with it", async () => {
    const { pids, enginePid, sandboxPid } = await npmStart();
    expect(pids).toContain(sandboxPid);
    expect(sandboxPid).not.toBe(pids[0]);

    process.kill(sandboxPid, "SIGKILL");

    expect(await allGone(pids)).toEqual([]);
    expect(running(enginePid)).toBe(false);
  }, 60_000);
});
