import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Product } from "@meridian/core";
import type { Sandbox } from "@meridian/sandbox";
import { signLocalToken } from "@meridian/sandbox";
import type { BrowserContext, Page } from "playwright-core";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSandbox } from "../../../sandbox/test/support.ts";
import {
  launchChromium,
  newContext,
  type RunningBrowser,
  scrollsSideways,
  seriousViolations,
} from "./browser.ts";

/**
 * The dashboard, built as it ships (`npm run build:web`), served by a real sandbox and driven in Debian's
 * Chromium: sign-in through the local issuer (Authorization Code + PKCE), every page, as a customer and as
 * an admin, on a desktop and a phone-sized screen. Screenshots of every page go to
 * packages/web/test-results/screenshots/ (docs/screenshots/ with UPDATE_SCREENSHOTS=1, for the README).
 */
const DIST = fileURLToPath(new URL("../../dist", import.meta.url));
// The committed ones (README) are refreshed with UPDATE_SCREENSHOTS=1; every other run keeps its own.
const SCREENSHOTS = fileURLToPath(
  new URL(
    process.env.UPDATE_SCREENSHOTS ? "../../../../docs/screenshots" : "../../test-results/screenshots",
    import.meta.url,
  ),
);
const PAGES = ["epochs", "catalog", "orders", "health"] as const;
const WAIT = { timeout: 20_000 };

let sandbox: Sandbox;
let chrome: RunningBrowser;
const contexts: BrowserContext[] = [];
/** Every Content-Security-Policy violation and uncaught error any page reported. */
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(`${DIST}/index.html`))
    throw new Error("No dashboard build: run `npm run build:web` first.");
  mkdirSync(SCREENSHOTS, { recursive: true });
  sandbox = await startTestSandbox({ dashboard: { dir: DIST }, imageRetryDelaysMs: [200, 400] });
  chrome = await launchChromium();
}, 60_000);
afterAll(async () => {
  for (const context of contexts) await context.close();
  await chrome?.close();
  await sandbox?.stop();
});

async function openPage(size: "desktop" | "phone" = "desktop"): Promise<Page> {
  const context = await newContext(chrome.browser, size);
  contexts.push(context);
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) problems.push(`csp: ${message.text()}`);
  });
  return page;
}

/** Through the sandbox's sign-in page, as a person would: the dashboard's button, a user name, a role. */
async function signIn(page: Page, user: string, role: "customer" | "admin"): Promise<void> {
  await page.goto(`${sandbox.url}/app/`);
  await page.getByRole("button", { name: "Sign in" }).first().click();
  await page.waitForURL(/\/_sandbox\/issuer\/oauth2\/authorize/);
  await page.getByLabel(/user name/i).fill(user);
  await page.getByLabel(role === "admin" ? /admin/i : /customer/i).check();
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.getByText(`${user} (${role})`).waitFor(WAIT);
}

async function visit(page: Page, route: (typeof PAGES)[number]): Promise<void> {
  await page
    .getByRole("navigation", { name: "Main" })
    .getByRole("link", { name: new RegExp(route, "i") })
    .click();
  await page.waitForURL(new RegExp(`/app/${route}$`));
}

const tokenFor = (sub: string, role: "admin" | "customer") =>
  signLocalToken(sandbox.issuerKey, { issuer: sandbox.config.jwt.issuer, role, sub });

async function createProduct(body: { name: string; price: number; stock: number }): Promise<Product> {
  const res = await fetch(`${sandbox.url}/products`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${await tokenFor("seeder", "admin")}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ description: "Seeded by the browser test", currency: "EUR", ...body }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Product;
}

const card = (page: Page, name: string) => page.getByRole("article", { name });

describe("the dashboard in Chromium", { timeout: 90_000 }, () => {
  it("signs a customer in with code + PKCE and records an epoch, the chart and the list following", async () => {
    const page = await openPage();
    await signIn(page, "alice", "customer");
    await page.waitForURL(/\/app\/$/);
    await page.getByText(/Last 60 minutes · 0 recorded/).waitFor(WAIT);

    await page.getByRole("button", { name: "Record epoch" }).click();

    await page.getByText(/Last 60 minutes · 1 recorded/).waitFor(WAIT);
    const rows = page.getByRole("table").getByRole("row");
    await expect.poll(() => rows.count(), WAIT).toBe(2); // the header and the one record
    // No token in localStorage: the OIDC library keeps the session in sessionStorage.
    const stored = (await page.evaluate("JSON.stringify({ ...localStorage })")) as string;
    expect(stored).not.toMatch(/eyJ/);
  });

  it("places an order that is CONFIRMED, one beyond the stock that is REJECTED with the reason, and cancels", async () => {
    await createProduct({ name: "Teak stool", price: 4_500, stock: 3 });
    await createProduct({ name: "Rare lamp", price: 9_900, stock: 1 });
    const page = await openPage();
    await signIn(page, "bruno", "customer");
    await visit(page, "catalog");

    const stool = card(page, "Teak stool");
    await stool.getByLabel("Quantity for Teak stool").fill("2");
    await stool.getByRole("button", { name: /^Order/ }).click();
    await stool.getByText(/Order placed/).waitFor(WAIT);
    const lamp = card(page, "Rare lamp");
    await lamp.getByLabel("Quantity for Rare lamp").fill("2");
    await lamp.getByRole("button", { name: /^Order/ }).click();
    await lamp.getByText(/Order placed/).waitFor(WAIT);

    await visit(page, "orders");
    // The page follows PENDING → CONFIRMED / REJECTED without a reload.
    const orders = page.getByRole("article");
    await expect.poll(() => orders.count(), WAIT).toBe(2);
    const confirmed = orders.filter({ hasText: "Teak stool" });
    const rejected = orders.filter({ hasText: "Rare lamp" });
    await confirmed.getByText("CONFIRMED", { exact: true }).waitFor(WAIT);
    await rejected.getByText("REJECTED", { exact: true }).waitFor(WAIT);
    await expect.poll(() => rejected.innerText(), WAIT).toMatch(/OUT_OF_STOCK|out of stock/i);

    await confirmed.getByRole("button", { name: /Cancel order/ }).click();
    await confirmed.getByText("CANCELLED", { exact: true }).waitFor(WAIT);
    await expect.poll(() => confirmed.getByRole("button", { name: /Cancel order/ }).count()).toBe(0);
  });

  it("lets an admin create a product and upload an image, with a progress bar, that turns READY", async () => {
    const page = await openPage();
    await signIn(page, "ada", "admin");
    await visit(page, "catalog");
    const form = page.getByRole("form", { name: "New product" });
    await form.getByLabel("Name").fill("Oak shelf");
    await form.getByLabel("Description").fill("Three boards");
    await form.getByLabel("Price").fill("129.00");
    await form.getByLabel("Stock").fill("4");
    await form.getByRole("button", { name: "Create product" }).click();

    const shelf = card(page, "Oak shelf");
    await shelf.waitFor(WAIT);
    await shelf.getByText("€129.00").waitFor(WAIT);
    await shelf.getByText("Manage").click();
    const photo = await sharp({
      create: { width: 1200, height: 900, channels: 3, background: "#8a5a2b" },
      // Noise keeps the PNG big enough that the throttled upload takes a while.
    })
      .composite([
        {
          input: Buffer.from(Array.from({ length: 400 * 300 * 3 }, () => Math.floor(Math.random() * 256))),
          raw: { width: 400, height: 300, channels: 3 },
        },
      ])
      .png()
      .toBuffer();
    await shelf
      .getByLabel("Image for Oak shelf")
      .setInputFiles({ name: "shelf.png", mimeType: "image/png", buffer: photo });
    // A slow uplink (about 256 KB/s) so the bar is there to be seen, as it is for a person on a phone.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 20,
      downloadThroughput: -1,
      uploadThroughput: 256 * 1024,
    });
    await shelf.getByRole("button", { name: /Upload image/ }).click();

    const bar = shelf.getByRole("progressbar", { name: "Uploading shelf.png" });
    await bar.waitFor(WAIT);
    await expect.poll(async () => Number(await bar.getAttribute("value")), WAIT).toBeGreaterThan(0);
    await cdp.send("Network.emulateNetworkConditions", {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await shelf.getByText("READY", { exact: true }).waitFor(WAIT);
    const image = shelf.getByRole("img", { name: "Oak shelf" });
    await image.waitFor(WAIT);
    await expect
      .poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), WAIT)
      .toBeGreaterThan(0);
  });

  it("shows a customer no admin control, and the API refuses one anyway", async () => {
    await createProduct({ name: "Pine bench", price: 7_000, stock: 2 });
    const page = await openPage();
    await signIn(page, "carla", "customer");
    await visit(page, "catalog");
    await card(page, "Pine bench").waitFor(WAIT);

    expect(await page.getByRole("form", { name: "New product" }).count()).toBe(0);
    expect(await page.getByText("Manage").count()).toBe(0);
    expect(await page.getByRole("button", { name: /Upload image|Edit/ }).count()).toBe(0);
    const refused = await fetch(`${sandbox.url}/products`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await tokenFor("carla", "customer")}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ name: "Sneaky", price: 1, currency: "EUR", stock: 1 }),
    });
    expect(refused.status).toBe(403);
  });

  it("says 'retrying' while the API answers 503, and recovers without a reload", async () => {
    const page = await openPage();
    await signIn(page, "dora", "customer");
    await page.route("**/metrics?*", (route) =>
      route.fulfill({
        status: 503,
        headers: { "content-type": "application/json", "retry-after": "1" },
        body: JSON.stringify({ error: { code: "SERVICE_UNAVAILABLE", message: "retry", requestId: "r" } }),
      }),
    );
    await visit(page, "health");

    await page.getByText("Service unavailable — retrying…").waitFor(WAIT);
    await page.unroute("**/metrics?*");
    await page.getByRole("heading", { name: "Last hour" }).waitFor(WAIT);
    await expect.poll(() => page.getByText("Service unavailable — retrying…").count(), WAIT).toBe(0);
  });

  it("passes axe (no serious or critical violation) and takes a screenshot on every page", async () => {
    // Something on every page: two orders of this admin's own and a few epochs.
    const desk = await createProduct({ name: "Walnut desk", price: 42_000, stock: 1 });
    const headers = {
      authorization: `Bearer ${await tokenFor("local-erin", "admin")}`,
      "content-type": "application/json",
    };
    for (const quantity of [1, 1]) {
      const placed = await fetch(`${sandbox.url}/orders`, {
        method: "POST",
        headers,
        body: JSON.stringify({ lines: [{ productId: desk.id, quantity }] }),
      });
      expect(placed.status).toBe(202);
    }
    for (let i = 0; i < 3; i++)
      expect((await fetch(`${sandbox.url}/epoch`, { method: "POST", headers })).status).toBe(201);
    await sandbox.orderStream?.drain();
    const page = await openPage();
    await page.goto(`${sandbox.url}/app/`);
    await page.getByRole("heading", { level: 1 }).first().waitFor(WAIT);
    expect(await seriousViolations(page), "signed out").toEqual([]);
    await page.getByRole("button", { name: "Sign in" }).first().click();
    await page.waitForURL(/oauth2\/authorize/);
    expect(await seriousViolations(page), "sign-in page").toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/sign-in.png` });
    await signIn(page, "erin", "admin");
    for (const route of PAGES) {
      await visit(page, route);
      await page.getByRole("heading", { level: 1 }).first().waitFor(WAIT);
      await page.waitForLoadState("networkidle");
      expect(await seriousViolations(page), route).toEqual([]);
      await page.screenshot({ path: `${SCREENSHOTS}/${route}.png` });
    }
  });

  it("fits a phone-sized screen on every page without scrolling sideways", async () => {
    const page = await openPage("phone");
    await signIn(page, "finn", "admin");
    for (const route of PAGES) {
      await page.goto(`${sandbox.url}/app/${route}`);
      await page.getByRole("heading", { level: 1 }).first().waitFor(WAIT);
      await page.waitForLoadState("networkidle");
      expect(await scrollsSideways(page), route).toBe(false);
    }
    await page.screenshot({ path: `${SCREENSHOTS}/catalog-phone.png` });
  });

  it("ran every page under its CSP without a violation or an uncaught error", () => {
    expect(problems).toEqual([]);
  });
});
