import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeridianApp } from "../src/index.ts";
import { appOnDynamoDbLocal } from "./support/app.ts";

// What the app answers to bad input, whoever hosts it (Lambda, the sandbox): through app.request(), on
// DynamoDB Local.
let app: MeridianApp;
let key: string;
let close: () => void;

beforeAll(async () => {
  ({ app, key, close } = await appOnDynamoDbLocal());
});
afterAll(() => close());

/** A request as a client sends it, with the test's API key unless `key` says otherwise (null: none). */
async function api(path: string, init: RequestInit & { key?: string | null } = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const sent = init.key === undefined ? key : init.key;
  if (sent !== null) headers.set("x-api-key", sent);
  return app.request(path, { ...init, headers });
}

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string; requestId: string } }).error;
}

describe("bad input", () => {
  const json = { "content-type": "application/json" };
  const cases: {
    name: string;
    send: () => Promise<Response>;
    status: number;
    code: string;
    field?: string;
  }[] = [
    {
      name: "malformed JSON",
      send: () => api("/epoch", { method: "POST", headers: json, body: '{"label": ' }),
      status: 400,
      code: "MALFORMED_JSON",
    },
    {
      name: "a field of the wrong type",
      send: () => api("/epoch", { method: "POST", headers: json, body: '{"label": 42}' }),
      status: 400,
      code: "VALIDATION_FAILED",
      field: "label",
    },
    {
      name: "an unknown field",
      send: () => api("/epoch", { method: "POST", headers: json, body: '{"lable": "x"}' }),
      status: 400,
      code: "VALIDATION_FAILED",
      field: "lable",
    },
    {
      name: "a body that is not an object",
      send: () => api("/epoch", { method: "POST", headers: json, body: "[1,2]" }),
      status: 400,
      code: "VALIDATION_FAILED",
      field: "(body)",
    },
    {
      name: "a bad Idempotency-Key",
      send: () => api("/epoch", { method: "POST", headers: { "idempotency-key": "x".repeat(200) } }),
      status: 400,
      code: "VALIDATION_FAILED",
      field: "Idempotency-Key",
    },
    {
      name: "a missing API key",
      send: () => api("/epoch", { method: "POST", key: null }),
      status: 401,
      code: "API_KEY_MISSING",
    },
    {
      name: "an unknown API key",
      send: () => api("/epochs", { key: "mrd_not-a-real-key" }),
      status: 401,
      code: "API_KEY_INVALID",
    },
    {
      name: "GET /metrics without a token",
      send: () => api("/metrics?minutes=0", { key: null }),
      status: 401,
      code: "TOKEN_INVALID",
    },
    {
      name: "GET /metrics with an API key only (it takes a signed-in user's token)",
      send: () => api("/metrics"),
      status: 401,
      code: "TOKEN_INVALID",
    },
    {
      name: "a body over 64 KiB",
      send: () =>
        api("/epoch", { method: "POST", headers: json, body: JSON.stringify({ label: "x".repeat(70_000) }) }),
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
    },
    {
      name: "a non-JSON content type",
      send: () => api("/epoch", { method: "POST", headers: { "content-type": "text/plain" }, body: "hello" }),
      status: 415,
      code: "UNSUPPORTED_MEDIA_TYPE",
    },
    { name: "an unknown route", send: () => api("/nope"), status: 404, code: "ROUTE_NOT_FOUND" },
    {
      name: "a wrong method",
      send: () => api("/epochs", { method: "DELETE" }),
      status: 405,
      code: "METHOD_NOT_ALLOWED",
    },
    {
      name: "an unknown epoch id",
      send: () => api("/epochs/01890000-0000-7000-8000-000000000000"),
      status: 404,
      code: "NOT_FOUND",
    },
    { name: "an id that is not a UUID", send: () => api("/epochs/abc"), status: 404, code: "NOT_FOUND" },
    {
      name: "limit=0",
      send: () => api("/epochs?limit=0"),
      status: 400,
      code: "VALIDATION_FAILED",
      field: "limit",
    },
    {
      name: "limit=abc",
      send: () => api("/epochs?limit=abc"),
      status: 400,
      code: "VALIDATION_FAILED",
      field: "limit",
    },
    {
      name: "a forged cursor",
      send: () => api("/epochs?cursor=eyJiZWZvcmUiOiJ4In0.AAAA"),
      status: 400,
      code: "INVALID_CURSOR",
    },
  ];

  it.each(cases)("$name → $status $code", async ({ send, status, code, field }) => {
    const res = await send();

    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const error = await errorOf(res);
    expect(error.code).toBe(code);
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.requestId).toBe(res.headers.get("x-request-id"));
    if (field) expect(error.message.startsWith(`${field}:`)).toBe(true);
  });

  it("names the allowed methods on 405", async () => {
    const res = await api("/epoch", { method: "GET" });

    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("POST");
  });
});
