import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../src/sandbox.ts";
import { startTestSandbox } from "./support.ts";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(() => sandbox.stop());

interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * One request with the request target exactly as written: `fetch` (and any WHATWG URL) would resolve
 * `/x/%2e%2e/` to `/` before sending it, which is what a client aiming past the throttle does not do.
 */
function send(method: string, target: string, headers: Record<string, string> = {}): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: sandbox.port, method, path: target, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** How many epochs the sandbox's table holds (this file's own tables: only its visits are there). */
async function recorded(): Promise<number> {
  const reply = await send("GET", "/epochs?limit=100", { "x-api-key": sandbox.devApiKey });
  expect(reply.status).toBe(200);
  return (JSON.parse(reply.body) as { items: unknown[] }).items.length;
}

/**
 * Visits recorded by `act`: a canonical `GET /` follows it, and must be the one visit counted, which shows
 * the count is live (a count that never moved would let anything pass).
 */
async function visitsRecordedBy(act: () => Promise<unknown>): Promise<number> {
  const before = await recorded();
  await act();
  expect((await send("GET", "/")).status).toBe(200);
  return (await recorded()) - before - 1;
}

const SPELLINGS = [
  "//",
  "/%2e",
  "/%2E",
  "/x/%2e%2e/",
  "/health/..",
  "/.",
  "/./",
  "/x/..",
  "/%2e%2e/health/..",
  "///",
];

describe("GET / behind the sandbox", () => {
  it.each(SPELLINGS)("answers GET %s with 404 ROUTE_NOT_FOUND and records nothing", async (target) => {
    let reply: RawReply | undefined;

    const visits = await visitsRecordedBy(async () => {
      reply = await send("GET", target);
    });

    expect(visits).toBe(0);
    expect(reply?.status).toBe(404);
    const { error } = JSON.parse(reply?.body ?? "{}") as { error: { code: string; message: string } };
    expect(error.code).toBe("ROUTE_NOT_FOUND");
    expect(error.message).not.toContain(target);
  });

  it("answers HEAD / with 405 and Allow: GET, and records nothing", async () => {
    let reply: RawReply | undefined;

    const visits = await visitsRecordedBy(async () => {
      reply = await send("HEAD", "/");
    });

    expect(visits).toBe(0);
    expect(reply?.status).toBe(405);
    expect(reply?.headers.allow).toBe("GET");
    expect(reply?.body).toBe("");
  });

  it.each(SPELLINGS)("answers HEAD %s with 404 and records nothing", async (target) => {
    let reply: RawReply | undefined;

    const visits = await visitsRecordedBy(async () => {
      reply = await send("HEAD", target);
    });

    expect(visits).toBe(0);
    expect(reply?.status).toBe(404);
  });

  it("offers only GET on / to other methods (POST / is 405 with Allow: GET)", async () => {
    const reply = await send("POST", "/");

    expect(reply.status).toBe(405);
    expect(reply.headers.allow).toBe("GET");
  });

  it("still serves other routes' canonical spellings, a trailing slash included", async () => {
    expect((await send("GET", "/health")).status).toBe(200);
    expect((await send("GET", "/health/")).status).toBe(200);
    expect((await send("GET", "/health//")).status).toBe(404);
    expect((await send("GET", "/x/../health")).status).toBe(404);
  });
});
