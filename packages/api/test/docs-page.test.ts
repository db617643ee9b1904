import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, type RunningBrowser } from "../../web/test/browser/browser.ts";
import { DOCS_CONTENT_SECURITY_POLICY, RENDERER_SCRIPT } from "../src/docs/renderer.ts";
import { appOnDynamoDbLocal } from "./support/app.ts";

// The reference at /docs as a user sees it: the app on DynamoDB Local served on loopback, in Debian's
// Chromium, launched as the dashboard's browser tests launch it.

let server: ReturnType<typeof serve>;
let origin = "";
let key = "";
let close: () => void;
let chrome: RunningBrowser;
let page: Page;
/** Every URL the page asked for, and every CSP violation it reported. */
const requested: string[] = [];
const violations: string[] = [];

beforeAll(async () => {
  const built = await appOnDynamoDbLocal();
  ({ key, close } = built);
  server = serve({ fetch: built.app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise((resolve) => server.once("listening", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  chrome = await launchChromium();
  page = await chrome.browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("request", (request) => requested.push(request.url()));
  page.on("console", (message) => {
    if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
  });
  // Through the DevTools protocol, which the page's CSP does not govern; a string (no DOM types here).
  await page.addInitScript(`document.addEventListener("securitypolicyviolation", (event) =>
    console.log("Content-Security-Policy violation: " + event.violatedDirective + " " + event.blockedURI));`);
  await page.goto(`${origin}/docs`);
  await page.locator(".opblock").first().waitFor();
}, 60_000);

afterAll(async () => {
  await chrome?.close();
  server?.close();
  close?.();
});

describe("/docs in a browser", () => {
  it("renders every operation of the document from this server alone, with no CSP violation", async () => {
    const doc = (await (await fetch(`${origin}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);

    expect(await page.locator(".opblock").count()).toBe(operations);
    expect(requested.filter((url) => !url.startsWith(`${origin}/`))).toEqual([]);
    expect(violations).toEqual([]);
    const response = await page.request.get(`${origin}/docs`);
    expect(response.headers()["content-security-policy"]).toBe(DOCS_CONTENT_SECURITY_POLICY);
  });

  it("renders Markdown in descriptions", async () => {
    // The document's `Idempotency-Key` in backticks becomes a <code> element; its **Authorize** bold.
    const info = page.locator(".info .renderedMarkdown");

    expect(await info.locator("code", { hasText: "Idempotency-Key" }).count()).toBe(1);
    expect(await info.locator("strong").first().textContent()).toBe("Authorize");
  });

  it("shows a request body's schema expanded: field names, types and limits", async () => {
    const op = page.locator("#operations-default-post_epoch");
    await op.locator(".opblock-summary").click();
    const body = op.locator(".opblock-section-request-body");
    await body.getByRole("tab", { name: "Schema" }).click();
    await body.locator(".model-box").first().waitFor();
    const text = (await body.innerText()).replace(/\s+/g, " ");
    const created = (await op.locator(".responses-table").first().innerText()).replace(/\s+/g, " ");

    // The body: its one field, its type and length limits, its description; unknown fields refused.
    expect(text).toContain("RecordEpochBody");
    expect(text).toMatch(/label\s*(Collapse all)?\s*string\s*\[1, 128\] characters/);
    expect(text).toContain("Up to 128 characters");
    expect(text).toMatch(/Additional properties\s*forbidden/);
    // The 201's schema expanded too, field by field with formats and descriptions.
    expect(created).toMatch(/id\s*(Collapse all)?\s*string\s*uuid/);
    expect(created).toContain("Seconds since 1970-01-01T00:00:00Z");
  });

  it("tries a request with an API key given in Authorize", async () => {
    await page.locator(".auth-wrapper .authorize").click();
    const dialog = page.locator(".modal-ux");
    await dialog.locator("#api_key_value").fill(key);
    await dialog.getByRole("button", { name: "Apply credentials" }).first().click();
    await dialog.locator(".close-modal").click();
    const op = page.locator("#operations-default-get_epochs");
    await op.locator(".opblock-summary").click();
    await op.getByRole("button", { name: "Execute" }).click();
    const status = op.locator(".live-responses-table tr.response .response-col_status").first();
    await status.waitFor();

    expect((await status.textContent())?.trim()).toBe("200");
    // The request it made carried the key, and the answer is shown.
    expect(await op.locator(".request-url, .curl").first().innerText()).toContain("/epochs");
    expect(await op.locator(".curl").innerText()).toContain(`x-api-key: ${key}`);
    expect(violations).toEqual([]);
  });

  it("serves the renderer gzipped to a browser that takes gzip, as it is otherwise, cacheable for good", async () => {
    const file = readFileSync(createRequire(import.meta.url).resolve("swagger-ui-dist/swagger-ui-bundle.js"));
    const gzipped = await page.request.get(`${origin}${RENDERER_SCRIPT}`, {
      headers: { "accept-encoding": "gzip" },
    });
    const raw = await fetch(`${origin}${RENDERER_SCRIPT}`, { headers: { "accept-encoding": "identity" } });

    expect(gzipped.headers()["content-encoding"]).toBe("gzip");
    expect(gzipped.headers().vary).toBe("Accept-Encoding");
    expect(Number(gzipped.headers()["content-length"])).toBeLessThan(file.length / 3);
    expect((await gzipped.body()).equals(file)).toBe(true);
    expect(raw.headers.get("content-encoding")).toBeNull();
    expect(Buffer.from(await raw.arrayBuffer()).equals(file)).toBe(true);
    expect(raw.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
  });
});
