import { randomUUID } from "node:crypto";
import type { AppLogger } from "@meridian/api";
import { inject } from "vitest";
import { type Sandbox, startSandbox } from "../src/sandbox.ts";

/** Collects log output instead of printing it, so tests can also assert on it. */
export function memoryLogger(): AppLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    request: (entry) => lines.push(JSON.stringify(entry)),
    error: (message, { error }) => lines.push(`${message}: ${String(error)}`),
  };
}

/** A sandbox API server on a free loopback port, on the run's DynamoDB Local, with its own tables. */
export function startTestSandbox(): Promise<Sandbox> {
  return startSandbox({
    port: 0,
    home: null,
    dynamodbEndpoint: inject("dynamodbEndpoint"),
    tablePrefix: `t${randomUUID().slice(0, 8)}`,
    apiKeyCacheTtlSeconds: 0,
    logger: memoryLogger(),
    processorLog: () => {},
    streamPollIntervalMs: 50,
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
