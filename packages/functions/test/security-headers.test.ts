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
  ({ apiKey } = await prepareFunctionEnvironment("headers", "functions-headers-test-secret-0123456789"));
  vi.stubEnv("API_KEY_CACHE_TTL_SECONDS", "0");
  vi.stubEnv("TRACING_ENABLED", undefined);
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  ({ handler } = await import("../src/http/handler.ts"));
});

afterAll(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** The function answers on the lite fetch classes (decision 0007): the headers must survive them. */
type AnyEvent = APIGatewayProxyEventV2 | APIGatewayProxyEvent | ALBEvent;

const frontDoors: { name: string; event: (spec: HttpRequestSpec) => AnyEvent }[] = [
  { name: "API Gateway HTTP API (payload 2.0)", event: (spec) => httpApiV2Event(spec) },
  { name: "API Gateway REST API (v1 proxy)", event: (spec) => restApiV1Event(spec) },
  { name: "ALB (multi-value headers)", event: (spec) => albEvent(spec, { multiValueHeaders: true }) },
];

describe.each(frontDoors)("response headers behind $name", (door) => {
  async function invoke(spec: HttpRequestSpec) {
    const result = await handler(door.event(spec) as unknown as LambdaEvent, lambdaContext());
    const shape: {
      headers?: Record<string, string | string[]>;
      multiValueHeaders?: Record<string, string[]>;
    } = result;
    const headers = new Map<string, string>();
    for (const [name, value] of Object.entries({ ...shape.headers, ...shape.multiValueHeaders })) {
      headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(",") : String(value));
    }
    return { status: result.statusCode, header: (name: string) => headers.get(name) };
  }

  it.each([
    ["/health", 200],
    ["/no-such-route", 404],
  ])("GET %s (%d) carries nosniff, CSP default-src 'none' and Referrer-Policy", async (path, status) => {
    const reply = await invoke({ method: "GET", path });

    expect(reply.status).toBe(status);
    expect(reply.header("x-content-type-options")).toBe("nosniff");
    expect(reply.header("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(reply.header("referrer-policy")).toBe("no-referrer");
  });

  it("answers an API-key request with Cache-Control: no-store", async () => {
    const reply = await invoke({ method: "GET", path: "/epochs?limit=1", headers: { "x-api-key": apiKey } });

    expect(reply.status).toBe(200);
    expect(reply.header("cache-control")).toBe("no-store");
  });
});
