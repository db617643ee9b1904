import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../src/sandbox.ts";
import { errorOf, startTestSandbox } from "./support.ts";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ images: false, streams: false, dashboard: false });
});
afterAll(() => sandbox.stop());

describe("the sandbox's own routes answer like the API", () => {
  it("give every answer an X-Request-Id, keeping a client's well-formed one", async () => {
    const own = await fetch(`${sandbox.url}/_sandbox/metrics`);
    const kept = await fetch(`${sandbox.url}/_sandbox/health`, { headers: { "x-request-id": "trace-42" } });
    const refused = await fetch(`${sandbox.url}/_sandbox/health`, { headers: { "x-request-id": "bad id!" } });

    expect(own.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(kept.headers.get("x-request-id")).toBe("trace-42");
    expect(refused.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("answer a path they do not serve with the API's JSON 404, naming the request id", async () => {
    const res = await fetch(`${sandbox.url}/_sandbox/nothing-here`, { headers: { "x-request-id": "r-1" } });

    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await errorOf(res)).toMatchObject({ code: "ROUTE_NOT_FOUND", requestId: "r-1" });
  });
});
