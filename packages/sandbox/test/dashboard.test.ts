import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCAL_AUDIENCE } from "../src/issuer.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { errorOf, startTestSandbox } from "./support.ts";

// A build as Vite lays it out (base /app/): index.html and hashed assets.
const dir = mkdtempSync(join(tmpdir(), "dashboard-test-"));
const INDEX =
  '<!doctype html><html lang="en"><script type="module" src="/app/assets/main-abc123.js"></script></html>';
mkdirSync(join(dir, "assets"));
writeFileSync(join(dir, "index.html"), INDEX);
writeFileSync(join(dir, "assets", "main-abc123.js"), "console.log('dashboard')");

let sandbox: Sandbox;
let empty: Sandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox({ dashboard: { dir } });
  empty = await startTestSandbox({ dashboard: { dir: join(dir, "missing") }, images: false, streams: false });
});
afterAll(async () => {
  await sandbox.stop();
  await empty.stop();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, init: RequestInit = {}, from = sandbox) =>
  fetch(`${from.url}${path}`, { redirect: "manual", ...init });

describe("the dashboard at /app/", () => {
  it("serves index.html with the dashboard's CSP, never cached", async () => {
    const res = await get("/app/");

    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await res.text()).toBe(INDEX);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // The browser POSTs uploads straight to the S3 store.
    expect(csp).toContain(`connect-src 'self' ${sandbox.s3?.endpoint}`);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("gives the app's own routes index.html, hashed assets a year, and a missing asset a 404", async () => {
    const route = await get("/app/orders");
    const asset = await get("/app/assets/main-abc123.js");
    const missing = await get("/app/assets/gone-000.js");

    expect(route.status).toBe(200);
    expect(await route.text()).toBe(INDEX);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toMatch(/javascript/);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/json/);
    expect(await errorOf(missing)).toMatchObject({
      code: "NOT_FOUND",
      requestId: missing.headers.get("x-request-id"),
    });
  });

  it("redirects /app to /app/ and another host name to the origin it signs in on", async () => {
    const bare = await get("/app");
    // As a browser on http://localhost:<port>/app/orders sends it.
    const onLocalhost = await new Promise<{ status?: number; location?: string }>((resolve, reject) => {
      request(`${sandbox.url}/app/orders`, { headers: { host: `localhost:${sandbox.port}` } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode, location: res.headers.location });
      })
        .on("error", reject)
        .end();
    });

    expect(bare.status).toBe(301);
    expect(bare.headers.get("location")).toBe("/app/");
    expect(onLocalhost).toEqual({ status: 308, location: `${sandbox.url}/app/orders` });
  });

  it("refuses paths that climb out of the build", async () => {
    for (const path of [
      "/app/..%2f..%2fpackage.json",
      "/app/%2e%2e/%2e%2e/package.json",
      "/app/assets/../../x",
    ]) {
      const res = await get(path);
      expect(res.status === 404 || res.status === 400, path).toBe(true);
      expect(await res.text()).not.toContain('"workspaces"');
    }
  });

  it("serves config.json for the sandbox: its API, its issuer and Cognito-shaped logout", async () => {
    const res = await get("/app/config.json");

    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(await res.json()).toEqual({
      stage: "local",
      apiUrl: sandbox.url,
      imagesUrl: `${sandbox.url}/_sandbox/images`,
      auth: {
        authority: sandbox.config.jwt.issuer,
        clientId: LOCAL_AUDIENCE,
        logoutUrl: `${sandbox.config.jwt.issuer}/logout`,
        scope: "openid email",
      },
    });
  });

  it("says how to build it when there is no build, and the API still answers", async () => {
    const res = await get("/app/", {}, empty);

    expect(res.status).toBe(503);
    expect(await res.text()).toContain("npm run build:web");
    expect((await get("/health", {}, empty)).status).toBe(200);
  });
});

describe("signing in to the dashboard", () => {
  it("publishes discovery whose endpoints are the sandbox's, for the dashboard's redirect URI only", async () => {
    const discovery = (await (
      await get("/_sandbox/issuer/.well-known/openid-configuration")
    ).json()) as Record<string, unknown>;
    const authorize = (redirect: string) =>
      get(
        `/_sandbox/issuer/oauth2/authorize?response_type=code&client_id=${LOCAL_AUDIENCE}&redirect_uri=${encodeURIComponent(redirect)}` +
          "&state=s1&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&scope=openid",
      );

    expect(discovery.issuer).toBe(sandbox.config.jwt.issuer);
    expect(discovery.authorization_endpoint).toBe(`${sandbox.config.jwt.issuer}/oauth2/authorize`);
    expect((await authorize(`${sandbox.url}/app/callback`)).status).toBe(200);
    expect((await authorize("http://127.0.0.1:1/app/callback")).status).toBe(400);
  });
});
