import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signLocalToken } from "../src/issuer.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { startTestSandbox } from "./support.ts";

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(() => sandbox.stop());

const API_POLICY = "default-src 'none'; frame-ancestors 'none'";
const PAGE_POLICY =
  "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const DOCS_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Reply {
  status: number;
  header(name: string): string | undefined;
  body: string;
}

/** One request with the target exactly as written (fetch would encode or resolve parts of it). */
function send(method: string, target: string, headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: sandbox.port, method, path: target, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        body += chunk;
      });
      res.on("end", () => {
        const header = (name: string) => {
          const value = res.headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(", ") : value;
        };
        resolve({ status: res.statusCode ?? 0, header, body });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function expectApiHeaders(reply: Reply) {
  expect(reply.header("x-content-type-options")).toBe("nosniff");
  expect(reply.header("content-security-policy")).toBe(API_POLICY);
  expect(reply.header("referrer-policy")).toBe("no-referrer");
}

describe("headers on every answer", () => {
  it.each([
    ["GET", "/health", 200],
    ["GET", "/openapi.json", 200],
    ["GET", "/no-such-route", 404],
    ["DELETE", "/health", 405],
    ["POST", "/epoch", 401],
    ["HEAD", "/", 405],
  ])("%s %s (%d): nosniff, CSP default-src 'none', Referrer-Policy", async (method, path, status) => {
    const reply = await send(method, path);

    expect(reply.status).toBe(status);
    expectApiHeaders(reply);
  });

  it("gives the visit page a CSP that lets its own inline style apply and nothing else load", async () => {
    const visit = await send("GET", "/", { accept: "text/html" });

    expect(visit.status).toBe(200);
    expect(visit.header("content-type")).toMatch(/^text\/html/);
    expect(visit.header("content-security-policy")).toBe(PAGE_POLICY);
    expect(visit.header("x-content-type-options")).toBe("nosniff");
    expect(visit.body).toMatch(/<style>[^<]+<\/style>/);
    // Nothing the policy would block: no script, no external style sheet, image or font.
    expect(visit.body).not.toMatch(/<script|<link|<img|@import|url\(/i);
  });

  it("gives /docs its own CSP: scripts and styles from this origin only, and no inline script or style", async () => {
    const docs = await send("GET", "/docs");
    const sources = [...docs.body.matchAll(/<(?:script src|link rel="stylesheet" href)="([^"]+)"/g)].map(
      (m) => m[1] ?? "",
    );

    expect(docs.status).toBe(200);
    expect(docs.header("content-type")).toMatch(/^text\/html/);
    expect(docs.header("content-security-policy")).toBe(DOCS_POLICY);
    expect(docs.header("x-content-type-options")).toBe("nosniff");
    expect(docs.body).not.toMatch(/<script>|<style|\sstyle="|\son\w+="/i);
    expect(sources).toHaveLength(3);
    for (const path of sources) {
      expect(path).toMatch(/^\/docs\//);
      const asset = await send("GET", path);
      expect(asset.status, path).toBe(200);
      expect(asset.header("x-content-type-options"), path).toBe("nosniff");
    }
  });
});

describe("Cache-Control: no-store on authenticated answers", () => {
  it("is set on answers to API-key requests, accepted or refused", async () => {
    const listed = await send("GET", "/epochs?limit=1", { "x-api-key": sandbox.devApiKey });
    const refused = await send("GET", "/epochs?limit=1", { "x-api-key": `${sandbox.devApiKey}x` });

    expect(listed.status).toBe(200);
    expect(listed.header("cache-control")).toBe("no-store");
    expect(refused.status).toBe(401);
    expect(refused.header("cache-control")).toBe("no-store");
  });

  it("is set on answers to bearer-token requests, on public routes too", async () => {
    const bearer = await signLocalToken(sandbox.issuerKey, {
      issuer: sandbox.config.jwt.issuer,
      role: "customer",
      sub: "headers-test",
    });

    const orders = await send("GET", "/orders", { authorization: `Bearer ${bearer}` });
    const products = await send("GET", "/products?limit=1", { authorization: `Bearer ${bearer}` });

    expect(orders.status).toBe(200);
    expect(orders.header("cache-control")).toBe("no-store");
    expect(products.status).toBe(200);
    expect(products.header("cache-control")).toBe("no-store");
  });
});

describe("error messages", () => {
  it("do not repeat the path of a 404, so no markup in it reaches the body", async () => {
    const reply = await send("GET", "/%3Cimg%20src=x%20onerror=alert(1)%3E");

    expect(reply.status).toBe(404);
    expect(reply.header("content-type")).toMatch(/^application\/json/);
    const { error } = JSON.parse(reply.body) as { error: { code: string; message: string } };
    expect(error).toMatchObject({
      code: "ROUTE_NOT_FOUND",
      message: expect.stringMatching(/^No route for GET/),
    });
    expect(reply.body).not.toMatch(/img|onerror|%3C/i);
  });

  it("do not repeat the path of a 405 either", async () => {
    const reply = await send("PUT", "/health/");

    expect(reply.status).toBe(405);
    const { error } = JSON.parse(reply.body) as { error: { code: string; message: string } };
    expect(error).toEqual(expect.objectContaining({ code: "METHOD_NOT_ALLOWED" }));
    expect(error.message).toBe("PUT is not allowed on this path; allowed: GET, HEAD");
  });
});
