import { createDocumentClient, DynamoCatalogStore } from "@meridian/adapters";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeridianApp } from "../src/index.ts";
import { appOnDynamoDbLocal } from "./support/app.ts";

// CORS answered by the app (behind the REST API and the ALB, whose front doors answer none): through
// app.request(), on DynamoDB Local.
const DASHBOARD = "https://d111111abcdef8.cloudfront.net";
const LOCAL_PAGE = "http://localhost:3000";
const OTHER = "https://evil.example.com";

/** Every `Access-Control-*` header of an answer. */
function corsHeadersOf(res: Response): Record<string, string> {
  return Object.fromEntries([...res.headers].filter(([name]) => name.startsWith("access-control-")));
}

function varyOf(res: Response): string[] {
  return (res.headers.get("vary") ?? "").split(",").map((name) => name.trim().toLowerCase());
}

/** What a browser sends before a cross-origin POST with a JSON body and an API key. */
function preflight(origin: string): RequestInit {
  return {
    method: "OPTIONS",
    headers: {
      origin,
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type,x-api-key",
    },
  };
}

describe("an app given allowed origins", () => {
  let app: MeridianApp;
  let key: string;
  let close: () => void;
  const closers: (() => void)[] = [];

  beforeAll(async () => {
    // A trailing slash in the stage's list is the same origin as the browser's `Origin` without it.
    ({ app, key, close } = await appOnDynamoDbLocal({ corsOrigins: [`${DASHBOARD}/`, LOCAL_PAGE] }));
    closers.push(close);
  });
  afterAll(() => {
    for (const done of closers) done();
  });

  it("answers a preflight from an allowed origin 204 before authentication, with the front doors' CORS", async () => {
    // Act
    const res = await app.request("/epoch", preflight(DASHBOARD));

    // Assess
    expect(res.status).toBe(204);
    expect(corsHeadersOf(res)).toEqual({
      "access-control-allow-origin": DASHBOARD,
      "access-control-allow-methods": "GET,POST,PATCH,OPTIONS",
      "access-control-allow-headers": "content-type,authorization,x-api-key,idempotency-key",
      "access-control-expose-headers": "x-request-id,location,idempotent-replayed,retry-after",
      "access-control-max-age": "3600",
    });
    expect(varyOf(res)).toContain("origin");
    expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    expect(res.headers.get("x-request-id")).toBeTruthy();
    expect(await res.text()).toBe("");
  });

  it("names the calling origin only, for each allowed origin", async () => {
    // Act
    const local = await app.request("/orders", preflight(LOCAL_PAGE));

    // Assess
    expect(local.status).toBe(204);
    expect(local.headers.get("access-control-allow-origin")).toBe(LOCAL_PAGE);
  });

  it("gives a preflight from another origin no CORS header: it stays the app's 405", async () => {
    // Act
    const res = await app.request("/epoch", preflight(OTHER));

    // Assess
    expect(res.status).toBe(405);
    expect(corsHeadersOf(res)).toEqual({});
    expect(res.headers.get("allow")).toBe("POST");
  });

  it("leaves OPTIONS without a preflight to methodNotAllowed, and a non-canonical path to canonicalPaths", async () => {
    // Act
    const plain = await app.request("/epoch", { method: "OPTIONS" });
    const fromDashboard = await app.request("/epoch", { method: "OPTIONS", headers: { origin: DASHBOARD } });
    const rewritten = await app.request("//epoch", preflight(DASHBOARD));

    // Assess
    expect(plain.status).toBe(405);
    expect(plain.headers.get("allow")).toBe("POST");
    expect(corsHeadersOf(plain)).toEqual({});
    expect(fromDashboard.status).toBe(405);
    expect(corsHeadersOf(fromDashboard)).toEqual({});
    expect(rewritten.status).toBe(404);
    expect(corsHeadersOf(rewritten)).toEqual({});
  });

  it("lets an allowed origin read its answers, errors included: 200, 201, 401, 404, 405", async () => {
    // Act
    const headers = { origin: DASHBOARD };
    const answers = {
      200: await app.request("/health", { headers }),
      201: await app.request("/epoch", { method: "POST", headers: { ...headers, "x-api-key": key } }),
      401: await app.request("/epoch", { method: "POST", headers }),
      404: await app.request("/no-such-route", { headers }),
      405: await app.request("/health", { method: "DELETE", headers }),
    };

    // Assess
    for (const [status, res] of Object.entries(answers)) {
      expect(res.status, status).toBe(Number(status));
      expect(corsHeadersOf(res), status).toEqual({
        "access-control-allow-origin": DASHBOARD,
        "access-control-expose-headers": "x-request-id,location,idempotent-replayed,retry-after",
      });
      expect(varyOf(res), status).toContain("origin");
      // The security headers and the request id are still there.
      expect(res.headers.get("x-content-type-options"), status).toBe("nosniff");
      expect(res.headers.get("x-request-id"), status).toBeTruthy();
    }
    expect(((await answers[401].json()) as { error: { code: string } }).error.code).toBe("API_KEY_MISSING");
  });

  it("lets an allowed origin read a 503 and its Retry-After when a dependency is down", async () => {
    // Prepare: the catalog on a DynamoDB endpoint nothing listens on.
    const unreachable = createDocumentClient({ endpoint: "http://127.0.0.1:9" });
    const down = await appOnDynamoDbLocal({
      corsOrigins: [DASHBOARD],
      catalog: new DynamoCatalogStore(unreachable, "unreachable-catalog"),
    });
    closers.push(down.close, () => unreachable.destroy());

    // Act
    const res = await down.app.request("/products", { headers: { origin: DASHBOARD } });

    // Assess
    expect(res.status).toBe(503);
    expect(res.headers.get("access-control-allow-origin")).toBe(DASHBOARD);
    expect(res.headers.get("access-control-expose-headers")).toContain("retry-after");
    expect(res.headers.get("retry-after")).toBeTruthy();
  });

  it("gives no CORS header to a request without Origin or from another origin, but varies on Origin", async () => {
    // Act
    const withoutOrigin = await app.request("/health");
    const fromOther = await app.request("/epoch", { method: "POST", headers: { origin: OTHER } });

    // Assess
    expect(withoutOrigin.status).toBe(200);
    expect(corsHeadersOf(withoutOrigin)).toEqual({});
    expect(varyOf(withoutOrigin)).toContain("origin");
    expect(fromOther.status).toBe(401);
    expect(corsHeadersOf(fromOther)).toEqual({});
  });
});

describe("an app given `*`", () => {
  it("lets every origin call it, naming the caller's", async () => {
    // Prepare
    const { app, close } = await appOnDynamoDbLocal({ corsOrigins: ["*"] });

    try {
      // Act
      const res = await app.request("/epoch", preflight(OTHER));
      const health = await app.request("/health", { headers: { origin: OTHER } });

      // Assess
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(OTHER);
      expect(health.headers.get("access-control-allow-origin")).toBe(OTHER);
    } finally {
      close();
    }
  });
});

describe("an app given no origins (as the HTTP API front door and the sandbox run it)", () => {
  it("answers no CORS at all: a preflight is the app's 405, no answer varies on Origin", async () => {
    // Prepare
    const { app, close } = await appOnDynamoDbLocal();

    try {
      // Act
      const res = await app.request("/epoch", preflight(DASHBOARD));
      const health = await app.request("/health", { headers: { origin: DASHBOARD } });

      // Assess
      expect(res.status).toBe(405);
      expect(corsHeadersOf(res)).toEqual({});
      expect(corsHeadersOf(health)).toEqual({});
      expect(res.headers.get("vary")).toBeNull();
      expect(health.headers.get("vary")).toBeNull();
    } finally {
      close();
    }
  });
});
