import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { corsEnvironment } from "../src/config.ts";
import { albEvent } from "./fixtures/alb.ts";
import { prepareFunctionEnvironment } from "./fixtures/environment.ts";
import { lambdaContext } from "./fixtures/lambda-context.ts";
import type { HttpRequestSpec } from "./fixtures/request.ts";
import { restApiV1Event } from "./fixtures/rest-api-v1.ts";

// The HTTP function as the CDK app deploys it behind the REST API and the ALB: CORS_ALLOWED_ORIGINS set,
// so the app answers the dashboard's CORS through the front doors' real event shapes.
type Handler = typeof import("../src/http/handler.ts")["handler"];
type LambdaEvent = Parameters<Handler>[0];

const APP_SECRET = "functions-handler-cors-secret-0123456789";
const DASHBOARD = "https://d111111abcdef8.cloudfront.net";

let handler: Handler;

beforeAll(async () => {
  await prepareFunctionEnvironment("handler-cors", APP_SECRET);
  for (const [name, value] of Object.entries(corsEnvironment([DASHBOARD, "http://localhost:3000"]))) {
    vi.stubEnv(name, value);
  }
  vi.stubEnv("TRACING_ENABLED", undefined);
  // Each request writes its access-log line (an EMF document) to stdout; keep the test output readable.
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  // The module reads its configuration when it is first imported, so the environment is set first.
  ({ handler } = await import("../src/http/handler.ts"));
});

afterAll(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

const frontDoors = [
  {
    name: "API Gateway REST API (v1 proxy)",
    event: (spec: HttpRequestSpec) => restApiV1Event(spec, "rest-id="),
  },
  { name: "ALB", event: (spec: HttpRequestSpec) => albEvent(spec, { multiValueHeaders: false }) },
];

async function invoke(event: unknown): Promise<{ status: number; header(name: string): string | undefined }> {
  const result = await handler(event as LambdaEvent, lambdaContext(randomUUID()));
  const shape: { headers?: Record<string, string | string[]>; multiValueHeaders?: Record<string, string[]> } =
    result;
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries({ ...shape.headers, ...shape.multiValueHeaders })) {
    headers.set(name.toLowerCase(), Array.isArray(value) ? value.join(",") : value);
  }
  return { status: result.statusCode, header: (name) => headers.get(name) };
}

describe.each(frontDoors)("the HTTP function behind $name, given the dashboard's origin", (door) => {
  it("answers the dashboard's preflight 204 with the allowed methods and headers", async () => {
    // Act
    const reply = await invoke(
      door.event({
        method: "OPTIONS",
        path: "/orders",
        headers: {
          Origin: DASHBOARD,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization,content-type",
        },
      }),
    );

    // Assess
    expect(reply.status).toBe(204);
    expect(reply.header("access-control-allow-origin")).toBe(DASHBOARD);
    expect(reply.header("access-control-allow-methods")).toBe("GET,POST,PATCH,OPTIONS");
    expect(reply.header("access-control-allow-headers")).toContain("authorization");
    expect(reply.header("access-control-max-age")).toBe("3600");
  });

  it("lets the dashboard read a 401, and gives another origin nothing", async () => {
    // Act
    const fromDashboard = await invoke(
      door.event({ method: "GET", path: "/orders", headers: { Origin: DASHBOARD } }),
    );
    const fromOther = await invoke(
      door.event({ method: "GET", path: "/orders", headers: { Origin: "https://evil.example.com" } }),
    );

    // Assess
    expect(fromDashboard.status).toBe(401);
    expect(fromDashboard.header("access-control-allow-origin")).toBe(DASHBOARD);
    expect(fromDashboard.header("access-control-expose-headers")).toContain("x-request-id");
    expect(fromOther.status).toBe(401);
    expect(fromOther.header("access-control-allow-origin")).toBeUndefined();
  });
});
