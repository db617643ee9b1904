/**
 * The measurement of bench/cold-start.ts: every variant in fresh `node` processes (bench/lib/cold-start-child.ts,
 * bundled) against one DynamoDB Local, cold runs then warm rounds in rotating order, the traced variant's
 * segments counted on a UDP socket standing in for the X-Ray daemon, and (unless skipped) `--cpu-prof` runs
 * whose self time is charged to the packages that spent it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { createDocumentClient, DynamoApiKeyStore, ensureTables, tableNames } from "@meridian/adapters";
import { ApiKeyHasher, createApiKey, systemClock } from "@meridian/core";
import { httpEnvironment, tableEnvironment } from "@meridian/functions";
import { LAMBDA_NODE_MAJOR } from "@meridian/infra/bundling";
import { startDynamoDbLocal } from "@meridian/sandbox";
import { build } from "esbuild";
import { repoRoot } from "../lib/bundle.ts";
import type { ColdResult, WarmResult } from "../lib/cold-start-child.ts";
import { type SelfTime, selfTimeByOwner } from "../lib/cpu-profile.ts";
import { ms } from "./report.ts";
import { rotated, type Variant, type VariantName } from "./variants.ts";

/** The names the HTTP function's loader reads. */
const http = httpEnvironment.variables;

const CHILD_TIMEOUT_MS = 120_000;
/** Cold processes profiled per handler, averaged: one is a few hundred samples. */
export const COLD_PROFILE_RUNS = 3;
/** Cold runs of every variant before the measured ones, discarded. */
export const WARM_UP_COLD_RUNS = 3;

export interface Settings {
  runs: number;
  requests: number;
  warmup: number;
  warmRounds: number;
  skipProfile: boolean;
  /** The Node binary the functions' processes run. */
  node: string;
}

export interface ColdSample extends ColdResult {
  /** Parent's clock: just before spawn → the child's first response. */
  spawnToResponseMs: number;
}

/** Self time per owner from `--cpu-prof` runs: ms for the cold path, µs per request for the warm loop. */
export interface Profiles {
  cold: Map<VariantName, Map<string, number>>;
  invoke: Map<VariantName, Map<string, number>>;
  warm: Map<VariantName, Map<string, number>>;
}

export interface Measurements {
  cold: Map<VariantName, ColdSample[]>;
  warm: Map<VariantName, WarmResult[]>;
  /** Datagrams received during the measured cold runs and warm rounds. */
  sent: { cold: Map<VariantName, number>; warm: Map<VariantName, number> };
  /** The subsegments those datagrams held (name → count). */
  sentNames: Map<string, number>;
  profiles: Profiles;
}

/** Runs the child script in a fresh `node`, returns its BENCH_RESULT; kills it (by pid) on timeout. */
function runChild<T>(
  node: string,
  childScript: string,
  argv: string[],
  env: NodeJS.ProcessEnv,
  nodeFlags: string[] = [],
): Promise<T & { spawnedAtMs: number }> {
  return new Promise((resolve, reject) => {
    const spawnedAtMs = performance.timeOrigin + performance.now();
    const child: ChildProcess = spawn(node, [...nodeFlags, childScript, ...argv], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      // Keep only the tail: the real handler logs one access line per request.
      stdout = (stdout + chunk.toString()).slice(-64_000);
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-3_000);
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, CHILD_TIMEOUT_MS);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith("BENCH_RESULT "));
      if (code !== 0 || !line) {
        reject(
          new Error(
            `child ${argv.join(" ")} exited with ${code ?? signal}:\n${stderr}\n${stdout.slice(-2_000)}`,
          ),
        );
        return;
      }
      resolve({ ...(JSON.parse(line.slice("BENCH_RESULT ".length)) as T), spawnedAtMs });
    });
  });
}

/**
 * Measures every variant; `workDir` holds the bundles and receives the child script and the profiles.
 * Starts and stops its own DynamoDB Local and UDP socket.
 */
export async function measure(
  variants: Variant[],
  settings: Settings,
  workDir: string,
): Promise<Measurements> {
  const { runs, requests, warmup, warmRounds } = settings;
  const warmVariants = variants.filter((v) => !v.coldOnly);
  const childScript = join(workDir, "child.mjs");
  await build({
    entryPoints: [join(repoRoot, "bench/lib/cold-start-child.ts")],
    outfile: childScript,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });

  /**
   * The X-Ray daemon's stand-in: counts the datagrams (one per closed subsegment in Lambda) and the
   * subsegment names, per variant, from the header line `{"format":"json","version":1}` and the document.
   */
  const daemon = createSocket("udp4");
  const datagrams = new Map<VariantName, number>(variants.map((v) => [v.name, 0]));
  const subsegmentNames = new Map<string, number>();
  let listening: VariantName | undefined;
  daemon.on("message", (message) => {
    if (listening) datagrams.set(listening, (datagrams.get(listening) ?? 0) + 1);
    const [header, body] = message.toString("utf8").split("\n", 2);
    if (header !== '{"format":"json","version":1}' || !body) return;
    const name = (JSON.parse(body) as { name?: string }).name ?? "(unnamed)";
    subsegmentNames.set(name, (subsegmentNames.get(name) ?? 0) + 1);
  });
  await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));
  const daemonAddress = `127.0.0.1:${daemon.address().port}`;

  const engine = await startDynamoDbLocal();
  const db = createDocumentClient({ endpoint: engine.endpoint });
  const measured: Measurements = {
    cold: new Map(variants.map((v) => [v.name, []])),
    warm: new Map(warmVariants.map((v) => [v.name, []])),
    sent: { cold: new Map(), warm: new Map() },
    sentNames: new Map(),
    profiles: { cold: new Map(), invoke: new Map(), warm: new Map() },
  };
  try {
    const tables = tableNames("bench");
    await ensureTables(db, tables);
    const appSecret = randomBytes(32).toString("base64url");
    const { key } = await createApiKey(
      {
        apiKeys: new DynamoApiKeyStore(db, tables.apiKeys),
        hasher: new ApiKeyHasher(appSecret),
        clock: systemClock,
      },
      { name: "bench" },
    );
    // What the function sees in Lambda, pointed at DynamoDB Local; nothing inherited from this process.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      // The HTTP function's variables, by its contract's names (the minimal handlers read the same ones).
      ...tableEnvironment(tables),
      // Sign-in is not exercised (POST /epoch takes an API key); the issuer is never contacted.
      [http.jwtIssuer]: "http://127.0.0.1:9/issuer",
      [http.jwtAudience]: "bench",
      [http.appSecret]: appSecret,
      [http.dynamodbEndpoint]: engine.endpoint,
      [http.region]: "us-east-1",
      // Fake credentials. DynamoDB Local keeps tables per access key id; "local" is what the adapters' client
      // uses for an endpoint, so the minimal handler (which reads these) sees the same tables.
      AWS_ACCESS_KEY_ID: "local",
      AWS_SECRET_ACCESS_KEY: "local",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // What Lambda sets for every function, traced or not; the X-Ray SDK and Powertools look at these.
      // The child sets `_X_AMZN_TRACE_ID` (Sampled=1) before each invocation, as the runtime does.
      AWS_LAMBDA_FUNCTION_NAME: "meridian-bench-http",
      AWS_EXECUTION_ENV: `AWS_Lambda_nodejs${LAMBDA_NODE_MAJOR}.x`,
      AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
      LAMBDA_TASK_ROOT: join(workDir, "ours"),
      AWS_XRAY_DAEMON_ADDRESS: daemonAddress,
      BENCH_API_KEY: key,
    };
    const envOf = (variant: Variant): NodeJS.ProcessEnv => ({ ...env, ...variant.env });
    /** Runs a child for a variant, charging the datagrams that arrive meanwhile to it. */
    const runFor = async <T>(variant: Variant, argv: string[], nodeFlags: string[] = []) => {
      listening = variant.name;
      try {
        return await runChild<T>(
          settings.node,
          childScript,
          [variant.bundle.outfile, ...argv],
          envOf(variant),
          nodeFlags,
        );
      } finally {
        listening = undefined;
      }
    };

    const coldRun = async (variant: Variant): Promise<ColdSample> => {
      const result = await runFor<ColdResult>(variant, ["cold"]);
      return { ...result, spawnToResponseMs: result.respondedAtMs - result.spawnedAtMs };
    };
    // DynamoDB Local is a JVM: let it compile its hot paths before anything is measured.
    for (let i = 0; i < WARM_UP_COLD_RUNS; i++) for (const variant of variants) await coldRun(variant);
    for (const name of datagrams.keys()) datagrams.set(name, 0);
    subsegmentNames.clear();

    for (let i = 0; i < runs; i++) {
      for (const variant of rotated(variants, i)) {
        const sample = await coldRun(variant);
        measured.cold.get(variant.name)?.push(sample);
        console.log(`cold ${variant.name.padEnd(7)} #${i + 1}: ${ms(sample.spawnToResponseMs)} ms`);
      }
    }
    for (const [name, count] of datagrams) measured.sent.cold.set(name, count);
    for (const name of datagrams.keys()) datagrams.set(name, 0);
    for (let round = 0; round < warmRounds; round++) {
      for (const variant of rotated(warmVariants, round)) {
        const result = await runFor<WarmResult>(variant, ["warm", String(requests), String(warmup)]);
        measured.warm.get(variant.name)?.push(result);
        console.log(
          `warm ${variant.name.padEnd(7)} round ${round + 1}: ${result.cpuUsPerRequest.toFixed(0)} µs CPU/request`,
        );
      }
    }
    for (const [name, count] of datagrams) measured.sent.warm.set(name, count);
    for (const [name, count] of subsegmentNames) measured.sentNames.set(name, count);
    if (!measured.sent.cold.get("traced") || !measured.sent.warm.get("traced")) {
      throw new Error("the traced variant sent no segments: tracing did not run");
    }
    for (const variant of settings.skipProfile ? [] : warmVariants) {
      const bundleUrl = pathToFileURL(variant.bundle.outfile).href;
      // One cold profile is a few hundred samples: average several, whole path and first invocation.
      const cold = new Map<string, number>();
      const invoke = new Map<string, number>();
      const add = (into: Map<string, number>, owners: SelfTime[]) => {
        for (const o of owners) into.set(o.name, (into.get(o.name) ?? 0) + o.us / 1000 / COLD_PROFILE_RUNS);
      };
      for (let run = 0; run < COLD_PROFILE_RUNS; run++) {
        const coldDir = join(workDir, `profile-cold-${variant.name}-${run}`);
        const result = await runFor<ColdResult>(
          variant,
          ["cold"],
          ["--cpu-prof", `--cpu-prof-dir=${coldDir}`, "--cpu-prof-interval=100"],
        );
        // The child exits right after its first response: the whole profile is the cold path.
        add(cold, selfTimeByOwner(coldDir, bundleUrl, [0, Number.MAX_SAFE_INTEGER]));
        add(invoke, selfTimeByOwner(coldDir, bundleUrl, [result.importedUs, Number.MAX_SAFE_INTEGER]));
      }
      measured.profiles.cold.set(variant.name, cold);
      measured.profiles.invoke.set(variant.name, invoke);

      const warmDir = join(workDir, `profile-warm-${variant.name}`);
      const result = await runFor<WarmResult>(
        variant,
        ["warm", String(requests), String(warmup)],
        ["--cpu-prof", `--cpu-prof-dir=${warmDir}`, "--cpu-prof-interval=250"],
      );
      const warmOwners = selfTimeByOwner(warmDir, bundleUrl, [result.loopStartUs, result.loopEndUs]);
      measured.profiles.warm.set(variant.name, new Map(warmOwners.map((o) => [o.name, o.us / requests])));
    }
  } finally {
    db.destroy();
    daemon.close();
    await engine.stop();
  }
  return measured;
}
