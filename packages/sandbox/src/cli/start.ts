import { ConfigError, jsonSink, numberFromText, parseEnv } from "@meridian/core";
import * as z from "zod/mini";
import { JavaMissingError } from "../dynamodb/index.ts";
import { clearRunningSandbox, writeRunningSandbox } from "../running.ts";
import { ExternalDynamoDbUnreachableError, startSandbox } from "../sandbox.ts";
import { parseCli, UsageError } from "./args.ts";
import { launchers, whenLauncherGone } from "./launcher-watch.ts";

const USAGE = `Usage: npm start [-- --in-memory] [-- --port <n>] [-- --dashboard watch|built|off] [-- --no-reload]

Runs Meridian on 127.0.0.1: DynamoDB Local, the tables, a development API key, the S3 store for product
images and the HTTP API.
DynamoDB Local is restarted if it exits; after 5 restarts within a minute, the next exit stops the sandbox.
  --in-memory   keep nothing (default: data persists under .meridian/)
  --port <n>    API port (default: $PORT or 3000)
  --dashboard   the web dashboard at /app/: watch (default) builds it and rebuilds on change, the open
                page reloading itself; built serves packages/web/dist as it is; off serves none
  --no-reload   do not rebuild the API and the functions when a file under packages/{core,adapters,api,
                functions}/src changes (default: rebuilt and swapped in, DynamoDB Local and all data kept)
Environment: PORT, MERIDIAN_DASHBOARD, MERIDIAN_RELOAD=on|off, MERIDIAN_DEV_API_KEY, DYNAMODB_ENDPOINT, MERIDIAN_HOME, LOG_FORMAT=pretty|json,
             LOG_LEVEL, MERIDIAN_METRICS_PERIOD_SECONDS (metrics job period, default 60; 0 = off)`;

const EnvSchema = z.object({
  PORT: z._default(numberFromText().check(z.int(), z.minimum(0), z.maximum(65535)), 3000),
  MERIDIAN_DEV_API_KEY: z.optional(z.string().check(z.minLength(16, "must be at least 16 characters"))),
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  MERIDIAN_DASHBOARD: z._default(z.enum(["watch", "built", "off"]), "watch"),
  MERIDIAN_RELOAD: z._default(z.enum(["on", "off"]), "on"),
  MERIDIAN_HOME: z._default(z.string().check(z.minLength(1)), ".meridian"),
  LOG_FORMAT: z._default(z.enum(["pretty", "json"]), "pretty"),
  LOG_LEVEL: z._default(z.enum(["DEBUG", "INFO", "WARN", "ERROR"]), "INFO"),
  MERIDIAN_METRICS_PERIOD_SECONDS: z._default(
    numberFromText().check(z.int(), z.minimum(0), z.maximum(3600)),
    60,
  ),
});

// The SDK warns on Node 20 about releases we do not install (the lockfile pins it); keep the terminal quiet.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

async function main(): Promise<void> {
  const { values } = parseCli(
    {
      options: {
        "in-memory": { type: "boolean" },
        port: { type: "string" },
        dashboard: { type: "string" },
        "no-reload": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    },
    "npm start",
  );
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const env = parseEnv(EnvSchema, {
    ...process.env,
    ...(values.port ? { PORT: values.port } : {}),
    ...(values.dashboard ? { MERIDIAN_DASHBOARD: values.dashboard } : {}),
  });
  // Who launched us (npm, sh, tsx), looked up before any of them can go.
  const watched = launchers("sandbox/src/cli/start.ts");
  const reload = env.MERIDIAN_RELOAD === "on" && !values["no-reload"];
  const started = performance.now();
  let giveUp = () => {};
  const sandbox = await startSandbox({
    port: env.PORT,
    home: values["in-memory"] ? null : env.MERIDIAN_HOME,
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT,
    devApiKey: env.MERIDIAN_DEV_API_KEY,
    logSink: env.LOG_FORMAT === "json" ? jsonSink : undefined,
    printMetrics: env.LOG_FORMAT === "json",
    logLevel: env.LOG_LEVEL,
    metricsJobPeriodSeconds: env.MERIDIAN_METRICS_PERIOD_SECONDS,
    dashboard: env.MERIDIAN_DASHBOARD === "off" ? false : { watch: env.MERIDIAN_DASHBOARD === "watch" },
    // The event itself is logged; a sandbox without its database has nothing left to serve.
    onEngineEvent: (event) => event.status.state === "failed" && giveUp(),
    ...(reload ? { reload: {} } : {}),
  });

  writeRunningSandbox(env.MERIDIAN_HOME, {
    pid: process.pid,
    url: sandbox.url,
    dynamodbEndpoint: sandbox.dynamodbEndpoint,
    dynamodbCredentials: sandbox.dynamodbCredentials,
    tables: sandbox.config.tables,
    appSecret: sandbox.config.appSecret,
    issuerKey: sandbox.issuerKey,
  });
  const engine = sandbox.dynamodbStatus?.();
  const where = !engine
    ? "external"
    : `${engine.pid ? `pid ${engine.pid}` : engine.state}, ${values["in-memory"] ? "in memory" : `data in ${env.MERIDIAN_HOME}/dynamodb`}, ` +
      `${engine.loopbackOnly ? "this machine only" : "EVERY INTERFACE"}; restarted if it exits`;
  const exposed = engine?.exposure
    ? `  WARNING    DynamoDB Local listens on every interface: anyone who can reach this machine can read
             and write its tables. Why: ${engine.exposure}.
             A Java with the jdk.compiler module (any JDK; Debian's openjdk-17-jre-headless) keeps it on
             127.0.0.1.
`
    : "";
  const images = sandbox.s3
    ? `  Images     ${sandbox.s3.endpoint}/${sandbox.s3.bucket} (S3 store, ${values["in-memory"] ? "in a temporary directory" : `data in ${env.MERIDIAN_HOME}/s3`}, this machine only); renditions at ${sandbox.url}/_sandbox/images
`
    : "";
  console.log(`
Meridian sandbox ready in ${Math.round(performance.now() - started)} ms
  Dashboard  ${env.MERIDIAN_DASHBOARD === "off" ? "off (--dashboard off)" : `${sandbox.url}/app/${env.MERIDIAN_DASHBOARD === "watch" ? "  (rebuilt on change)" : ""}`}
  API        ${sandbox.url}          (docs: ${sandbox.url}/docs, metrics: ${sandbox.url}/_sandbox/metrics)
  Reload     ${reload ? "on: an edit under packages/{core,adapters,api,functions}/src swaps the new code in (--no-reload: off)" : "off"}
  DynamoDB   ${sandbox.dynamodbEndpoint} (${where})
${exposed}${images}  Health     ${sandbox.url}/health/ready  (engine and stream: ${sandbox.url}/_sandbox/health)
  API key    ${sandbox.devApiKey}

  Issuer     ${sandbox.config.jwt.issuer}  (tokens: npm run -s token -- --role customer)

  curl -s -X POST ${sandbox.url}/epoch -H 'x-api-key: ${sandbox.devApiKey}'
Press Ctrl-C to stop.
`);

  let stopping = false;
  const stop = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping…`);
    clearRunningSandbox(env.MERIDIAN_HOME);
    await sandbox.stop();
    process.exit(code);
  };
  giveUp = () => {
    // The reason is the log line just written.
    console.error("\nThe sandbox stops: run npm start again once the cause is fixed (see the lines above).");
    void stop("DynamoDB Local is down for good", 1);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGHUP", () => void stop("SIGHUP"));
  // A signal reaches only the process it is sent to: when npm (or its sh, or tsx) is gone, so is the sandbox.
  whenLauncherGone(watched, (pid) => void stop(`npm start's process ${pid} is gone`));
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (
    error instanceof JavaMissingError ||
    error instanceof ConfigError ||
    error instanceof ExternalDynamoDbUnreachableError
  ) {
    console.error(error.message);
  } else if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
    console.error(`Port is already in use: ${(error as Error).message}. Set PORT or pass -- --port <n>.`);
  } else {
    console.error(error);
  }
  process.exit(1);
});
