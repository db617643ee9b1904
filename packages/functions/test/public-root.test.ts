import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { albEvent } from "./fixtures/alb.ts";
import { prepareFunctionEnvironment } from "./fixtures/environment.ts";
import { httpApiV2Event } from "./fixtures/http-api-v2.ts";
import { lambdaContext } from "./fixtures/lambda-context.ts";
import type { HttpRequestSpec } from "./fixtures/request.ts";
import { restApiV1Event } from "./fixtures/rest-api-v1.ts";

type Handler = typeof import("../src/http/handler.ts")["handler"];
type LambdaEvent = Parameters<Handler>[0];

let handler: Handler;
let apiKey: string;

beforeAll(async () => {
  ({ apiKey } = await prepareFunctionEnvironment("public-root", "functions-public-root-secret-0123456789"));
  vi.stubEnv("API_KEY_CACHE_TTL_SECONDS", "0");
  vi.stubEnv("TRACING_ENABLED", undefined);
  // Each request writes its access-log line (an EMF document) to stdout; keep the test output readable.
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  ({ handler } = await import("../src/http/handler.ts"));
});

afterAll(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

type AnyEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent | ALBEvent;

/**
 * Each front door hands the path on as it received it (`rawPath`, `path`): API Gateway matched its routes,
 * and the `GET /` route's throttle, on that text, so `/x/%2e%2e/` arrived through the default route.
 */
const frontDoors: { name: string; event: (spec: HttpRequestSpec) => AnyEvent }[] = [
  { name: "API Gateway HTTP API (payload 2.0)", event: (spec) => httpApiV2Event(spec) },
  { name: "API Gateway REST API (v1 proxy)", event: (spec) => restApiV1Event(spec) },
  { name: "ALB", event: (spec) => albEvent(spec, { multiValueHeaders: false }) },
  { name: "ALB (multi-value headers)", event: (spec) => albEvent(spec, { multiValueHeaders: true }) },
];

const SPELLINGS = ["//", "/%2e", "/%2E", "/x/%2e%2e/", "/health/..", "/.", "/x/..", "/\\", "/x/..\\"];

describe.each(frontDoors)("GET / behind $name", (door) => {
  async function invoke(spec: HttpRequestSpec) {
    const result = await handler(door.event(spec) as unknown as LambdaEvent, lambdaContext());
    const headers = new Map<string, string>();
    const shape: {
      headers?: Record<string, string | string[]>;
      multiValueHeaders?: Record<string, string[]>;
    } = result;
    for (const [name, value] of Object.entries({ ...shape.headers, ...shape.multiValueHeaders })) {
      headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(",") : String(value));
    }
    return { status: result.statusCode, body: result.body, header: (name: string) => headers.get(name) };
  }

  async function recorded(): Promise<number> {
    const reply = await invoke({
      method: "GET",
      path: "/epochs?limit=100",
      headers: { "x-api-key": apiKey },
    });
    expect(reply.status).toBe(200);
    return (JSON.parse(reply.body) as { items: unknown[] }).items.length;
  }

  /** Visits recorded by `act`; a canonical GET / follows it and must be the one counted (the count is live). */
  async function visitsRecordedBy(act: () => Promise<unknown>): Promise<number> {
    const before = await recorded();
    await act();
    expect((await invoke({ method: "GET", path: "/" })).status).toBe(200);
    return (await recorded()) - before - 1;
  }

  it.each(SPELLINGS)("answers GET %s with 404 ROUTE_NOT_FOUND and records nothing", async (path) => {
    let reply: Awaited<ReturnType<typeof invoke>> | undefined;

    const visits = await visitsRecordedBy(async () => {
      reply = await invoke({ method: "GET", path });
    });

    expect(visits).toBe(0);
    expect(reply?.status).toBe(404);
    const { error } = JSON.parse(reply?.body ?? "{}") as { error: { code: string; message: string } };
    expect(error.code).toBe("ROUTE_NOT_FOUND");
    expect(error.message).not.toContain(path);
  });

  it("answers HEAD / with 405 and Allow: GET, and records nothing", async () => {
    let reply: Awaited<ReturnType<typeof invoke>> | undefined;

    const visits = await visitsRecordedBy(async () => {
      reply = await invoke({ method: "HEAD", path: "/" });
    });

    expect(visits).toBe(0);
    expect(reply?.status).toBe(405);
    expect(reply?.header("allow")).toBe("GET");
    expect(reply?.body).toBe("");
  });

  it.each(SPELLINGS)("answers HEAD %s with 404 and records nothing", async (path) => {
    let reply: Awaited<ReturnType<typeof invoke>> | undefined;

    const visits = await visitsRecordedBy(async () => {
      reply = await invoke({ method: "HEAD", path });
    });

    expect(visits).toBe(0);
    expect(reply?.status).toBe(404);
  });
});
