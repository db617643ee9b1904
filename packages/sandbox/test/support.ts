import { randomUUID } from "node:crypto";
import { tableNames } from "@meridian/adapters";
import { createLogger, type LogEntry, type LogLevel, type LogSink } from "@meridian/core";
import { createMeridianApp } from "@meridian/functions";
import { inject } from "vitest";
import { type Sandbox, type SandboxOptions, startSandbox } from "../src/sandbox.ts";

/** Collects log entries instead of printing them, so tests can also assert on them. */
export function memoryLog(): LogSink & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return Object.assign((entry: LogEntry) => void entries.push(entry), { entries });
}

/** A sandbox API server on a free loopback port, on the run's DynamoDB Local, with its own tables. */
export function startTestSandbox(overrides: Partial<SandboxOptions> = {}): Promise<Sandbox> {
  return startSandbox({
    port: 0,
    home: null,
    dynamodbEndpoint: inject("dynamodbEndpoint"),
    tablePrefix: `t${randomUUID().slice(0, 8)}`,
    apiKeyCacheTtlSeconds: 0,
    logSink: memoryLog(),
    metricsJobPeriodSeconds: 0,
    streamPollIntervalMs: 50,
    ...overrides,
  });
}

export type Client = (path: string, init?: RequestInit & { key?: string | null }) => Promise<Response>;

/** fetch bound to the sandbox URL, sending the development API key unless `key` says otherwise. */
export function client(sandbox: Sandbox): Client {
  return (path, init = {}) => {
    const headers = new Headers(init.headers);
    const key = init.key === undefined ? sandbox.devApiKey : init.key;
    if (key !== null) headers.set("x-api-key", key);
    return fetch(`${sandbox.url}${path}`, { ...init, headers });
  };
}

export async function errorOf(res: Response): Promise<{ code: string; message: string; requestId: string }> {
  const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
  return body.error;
}

/**
 * The app as Lambda and the sandbox wire it, on the DynamoDB at `endpoint` (an unreachable one for failure
 * tests), its log entries collected in `log.entries`.
 */
export function appAgainst(
  endpoint: string,
  options: { issuer?: string; level?: LogLevel } = {},
): { app: ReturnType<typeof createMeridianApp>; log: ReturnType<typeof memoryLog> } {
  const log = memoryLog();
  const app = createMeridianApp(
    {
      tables: tableNames("x"),
      jwt: { issuer: options.issuer ?? "http://127.0.0.1:1/issuer", audience: "test", adminGroup: "admin" },
      appSecret: "s".repeat(40),
      dynamodbEndpoint: endpoint,
      apiKeyCacheTtlMs: 0,
    },
    {
      clientIp: () => "192.0.2.10",
      logger: createLogger({ service: "http", level: options.level, sink: log }),
    },
  );
  return { app, log };
}
