import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const START = fileURLToPath(new URL("../src/cli/start.ts", import.meta.url));

/** The pids of `root` and all its descendants, from each process's parent in /proc/<pid>/stat. */
function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …: comm may contain spaces and parentheses, so read after the last ")".
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parentOf.set(Number(entry), ppid);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) {
    for (const [pid, ppid] of parentOf) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

/** Socket inodes held open by a process (its fds that link to `socket:[inode]`). */
function socketInodes(pid: number): string[] {
  const inodes: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      const inode = target.match(/^socket:\[(\d+)\]$/)?.[1];
      if (inode) inodes.push(inode);
    } catch {
      // Closed meanwhile.
    }
  }
  return inodes;
}

/** /proc/net/tcp* write each 32-bit word of an address in host (little-endian) byte order. */
function decodeAddress(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) => (word.match(/../g) ?? []).reverse());
  const octets = bytes.map((byte) => Number.parseInt(byte, 16));
  if (octets.length === 4) return octets.join(".");
  const mapped = octets.slice(0, 10).every((o) => o === 0) && octets[10] === 255 && octets[11] === 255;
  if (mapped) return `::ffff:${octets.slice(12).join(".")}`;
  const groups = Array.from({ length: 8 }, (_, i) =>
    ((octets[2 * i] ?? 0) * 256 + (octets[2 * i + 1] ?? 0)).toString(16),
  );
  return groups.join(":").replace(/(^|:)0(:0)+(:|$)/, "::");
}

interface Listening {
  inode: string;
  address: string;
  port: number;
  file: string;
}

/** Listening TCP sockets (state 0A) and bound, unconnected UDP sockets (state 07) of this network namespace. */
function listeningSockets(): Listening[] {
  const found: Listening[] = [];
  for (const [file, state] of [
    ["/proc/net/tcp", "0A"],
    ["/proc/net/tcp6", "0A"],
    ["/proc/net/udp", "07"],
    ["/proc/net/udp6", "07"],
  ] as const) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue; // no IPv6 on this machine
    }
    for (const line of text.trim().split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [hex, port] = (fields[1] ?? "").split(":");
      if (fields[3] !== state || !hex || !port) continue;
      found.push({
        inode: fields[9] ?? "",
        address: decodeAddress(hex),
        port: Number.parseInt(port, 16),
        file,
      });
    }
  }
  return found;
}

const isLoopback = (address: string) =>
  address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127.");

/** Whether a TCP connection to host:port is accepted (only ever a loopback address here). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

const homes: string[] = [];
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) child.kill("SIGTERM");
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

/** `npm start`'s program in its own process, as a developer runs it; resolves with its banner. */
function startCli(): Promise<{ child: ChildProcess; output: string }> {
  const home = mkdtempSync(join(tmpdir(), "meridian-loopback-"));
  homes.push(home);
  const child = spawn(process.execPath, ["--import", "tsx", START, "--port", "0", "--in-memory"], {
    env: { ...process.env, MERIDIAN_HOME: home, MERIDIAN_METRICS_PERIOD_SECONDS: "0", DYNAMODB_ENDPOINT: "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Press Ctrl-C")) resolve({ child, output });
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}:\n${output}`)));
  });
}

describe.runIf(process.platform === "linux")("the sandbox on the network (Linux: read from /proc)", () => {
  it("No socket of the sandbox's processes listens beyond loopback.", async () => {
    const { child, output } = await startCli();
    const apiPort = Number(output.match(/API\s+http:\/\/127\.0\.0\.1:(\d+)/)?.[1]);
    const enginePort = Number(output.match(/DynamoDB\s+http:\/\/127\.0\.0\.1:(\d+)/)?.[1]);
    const enginePid = Number(output.match(/\(pid (\d+)/)?.[1]);

    const pids = processTree(child.pid ?? -1);
    const inodes = new Set(pids.flatMap(socketInodes));
    const listening = listeningSockets().filter((socket) => inodes.has(socket.inode));
    const exposed = listening.filter((socket) => !isLoopback(socket.address));

    expect(pids).toContain(enginePid);
    expect(listening.map((socket) => socket.port)).toEqual(expect.arrayContaining([apiPort, enginePort]));
    expect(exposed, JSON.stringify(listening)).toEqual([]);
    // What the binding means: 127.0.0.2 is on the loopback interface too, yet the engine refuses it, as it
    // refuses every address but 127.0.0.1 (a socket on 0.0.0.0 or :: would accept it).
    expect(await accepts("127.0.0.1", enginePort)).toBe(true);
    expect(await accepts("127.0.0.2", enginePort)).toBe(false);
    expect(output).not.toContain("WARNING");
  });
});
