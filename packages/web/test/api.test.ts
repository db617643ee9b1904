import { describe, expect, it } from "vitest";
import { ApiError, createRequest, toApiError, toTransportError } from "../src/api.ts";

describe("toApiError", () => {
  it("carries the API's code, message, request id and details", () => {
    const error = toApiError(
      409,
      { error: { code: "VERSION_CONFLICT", message: "changed", requestId: "r-1", details: { version: 3 } } },
      null,
    );

    expect(error).toBeInstanceOf(ApiError);
    expect([error.status, error.code, error.message, error.requestId]).toEqual([
      409,
      "VERSION_CONFLICT",
      "changed",
      "r-1",
    ]);
    expect(error.details).toEqual({ version: 3 });
    expect(error.retryable).toBe(false);
    expect(error.userMessage).toBe("changed");
  });

  it("still gives a code and a message for a body that is not the API's (a proxy's page, nothing)", () => {
    const error = toApiError(502, undefined, null);

    expect([error.code, error.message, error.requestId]).toEqual([
      "HTTP_502",
      "The API answered 502",
      undefined,
    ]);
  });

  it("marks 503, 429 and transport failures retryable and says so to people", () => {
    for (const status of [429, 502, 503, 504]) {
      const error = toApiError(status, { error: { code: "X", message: "m", requestId: "r" } }, "2");
      expect(error.retryable).toBe(true);
      expect(error.retryAfter).toBe("2");
      expect(error.userMessage).toBe("Service unavailable — retrying…");
    }
    const network = toTransportError(new TypeError("fetch failed"));
    expect([network.status, network.code, network.retryable]).toEqual([0, "NETWORK", true]);
    const timeout = toTransportError(new DOMException("timed out", "TimeoutError"));
    expect(timeout.code).toBe("TIMEOUT");
  });

  it("hides a 5xx message behind a sentence with the request id, and asks for sign-in on 401", () => {
    expect(
      toApiError(500, { error: { code: "INTERNAL", message: "x", requestId: "r-9" } }, null).userMessage,
    ).toBe("The service failed (request r-9).");
    expect(
      toApiError(401, { error: { code: "TOKEN_EXPIRED", message: "x", requestId: "r" } }, null).userMessage,
    ).toBe("Your session has ended. Sign in again.");
  });
});

/** A server whose answers the test lists in order; it records what it was sent. */
function scripted(answers: (Response | Error)[]) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fetch = async (url: string | URL | globalThis.Request, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = answers.shift();
    if (!next) throw new Error("no more answers");
    if (next instanceof Error) throw next;
    return next;
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
const unavailable = (retryAfter?: string) =>
  json(
    503,
    { error: { code: "DEPENDENCY_UNAVAILABLE", message: "later", requestId: "r" } },
    retryAfter ? { "retry-after": retryAfter } : {},
  );

describe("createRequest", () => {
  it("sends the bearer token and JSON, and answers the parsed body", async () => {
    const server = scripted([json(200, { items: [], nextCursor: null })]);
    const request = createRequest({
      baseUrl: "http://api.test",
      accessToken: () => "tok",
      fetch: server.fetch,
    });

    const page = await request("GET", "/epochs?limit=10");

    expect(page).toEqual({ items: [], nextCursor: null });
    expect(server.calls[0]?.url).toBe("http://api.test/epochs?limit=10");
    const headers = server.calls[0]?.init.headers as Record<string, string>;
    expect(headers.authorization).toBe("Bearer tok");
    expect(headers).not.toHaveProperty("idempotency-key");
    expect(server.calls[0]?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it("retries a 503 after Retry-After and a network failure with backoff, with one Idempotency-Key throughout", async () => {
    const server = scripted([unavailable("3"), new TypeError("fetch failed"), json(201, { id: "e1" })]);
    const waits: number[] = [];
    const states: boolean[] = [];
    const request = createRequest({
      baseUrl: "http://api.test",
      accessToken: () => undefined,
      fetch: server.fetch,
      sleep: async (ms) => void waits.push(ms),
      random: () => 1,
      onUnavailable: (retrying) => states.push(retrying),
    });

    const epoch = await request("POST", "/epoch", { body: { label: "x" } });

    expect(epoch).toEqual({ id: "e1" });
    expect(waits).toEqual([3_000, 2_000]);
    // Once when the call starts waiting, once when it ends.
    expect(states).toEqual([true, false]);
    const keys = server.calls.map((c) => (c.init.headers as Record<string, string>)["idempotency-key"]);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(server.calls[0]?.init.body).toBe('{"label":"x"}');
    expect(server.calls.every((c) => !(c.init.headers as Record<string, string>).authorization)).toBe(true);
  });

  it("skips the browser's cache when asked for fresh figures (right after a write)", async () => {
    const server = scripted([json(200, {}), json(200, {})]);
    const request = createRequest({ baseUrl: "", accessToken: () => "t", fetch: server.fetch });

    await request("GET", "/metrics?minutes=60", { fresh: true });
    await request("GET", "/metrics?minutes=60");

    expect(server.calls.map((c) => c.init.cache)).toEqual(["no-cache", undefined]);
  });

  it("gives up after its attempts and throws the last error; does not retry when told not to", async () => {
    const server = scripted(Array.from({ length: 6 }, () => unavailable()));
    const request = createRequest({
      baseUrl: "http://api.test",
      accessToken: () => undefined,
      fetch: server.fetch,
      sleep: async () => {},
    });

    await expect(request("GET", "/metrics")).rejects.toMatchObject({
      status: 503,
      code: "DEPENDENCY_UNAVAILABLE",
    });
    expect(server.calls).toHaveLength(6);

    const once = scripted([unavailable()]);
    const single = createRequest({
      baseUrl: "",
      accessToken: () => undefined,
      fetch: once.fetch,
      sleep: async () => {},
    });
    await expect(single("POST", "/products/p/images", { retry: false })).rejects.toMatchObject({
      status: 503,
    });
    expect(once.calls).toHaveLength(1);
  });

  it("does not retry a refusal, and reports a 401 to a token's owner as the end of the session", async () => {
    let ended = 0;
    const server = scripted([
      json(401, { error: { code: "TOKEN_EXPIRED", message: "expired", requestId: "r" } }),
    ]);
    const request = createRequest({
      baseUrl: "",
      accessToken: () => "old",
      fetch: server.fetch,
      onUnauthorized: () => ended++,
    });

    await expect(request("GET", "/orders")).rejects.toMatchObject({ status: 401, code: "TOKEN_EXPIRED" });
    expect(ended).toBe(1);
    expect(server.calls).toHaveLength(1);
  });

  it("stops at once when the caller aborts, rethrowing the abort", async () => {
    const controller = new AbortController();
    const server = scripted([unavailable("1")]);
    const states: boolean[] = [];
    const request = createRequest({
      baseUrl: "",
      accessToken: () => undefined,
      fetch: server.fetch,
      onUnavailable: (retrying) => states.push(retrying),
      sleep: async (_ms, signal) => {
        controller.abort(new DOMException("gone", "AbortError"));
        throw signal?.reason;
      },
    });

    await expect(request("GET", "/epochs", { signal: controller.signal })).rejects.toMatchObject({
      name: "AbortError",
    });
    expect(server.calls).toHaveLength(1);
    // The status bar does not stay on "retrying" for a call that went away.
    expect(states).toEqual([true, false]);
  });
});
