/**
 * The dashboard in Debian's Chromium against a sandbox started here (DynamoDB Local in memory): first
 * contentful paint and the time until the epochs chart shows data, over repeated loads of a signed-in
 * page, and the requests an idle open dashboard makes per minute on each page (what it costs in AWS:
 * each is an API Gateway request, a Lambda invocation and, for GET /metrics, GetMetricData).
 * Writes its results block into docs/performance.md; --print prints it instead.
 *
 *   npm run build:web && npx tsx bench/dashboard.ts [--print] [--loads 7] [--idle-seconds 120]
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startSandbox } from "@meridian/sandbox";
import { launchChromium, newContext } from "../packages/web/test/browser/browser.ts";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const { values: args } = parseArgs({
  options: {
    print: { type: "boolean", default: false },
    loads: { type: "string", default: "7" },
    "idle-seconds": { type: "string", default: "120" },
  },
});
const loads = Number(args.loads);
const idleSeconds = Number(args["idle-seconds"]);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
const ms = (value: number) => value.toFixed(0);

const load1 = loadavg()[0] ?? 0;
const sandbox = await startSandbox({ port: 0, home: null, logSink: () => {}, metricsJobPeriodSeconds: 60 });
const chrome = await launchChromium();
try {
  const context = await newContext(chrome.browser);
  const page = await context.newPage();
  await page.goto(`${sandbox.url}/app/`);
  await page.getByRole("button", { name: "Sign in" }).first().click();
  await page.getByLabel(/user name/i).fill("bench");
  await page.getByLabel(/admin/i).check();
  await page.getByRole("button", { name: /sign in/i }).click();
  await page.getByText("bench (admin)").waitFor();
  // One record, so the chart has something to draw.
  await page.getByRole("button", { name: "Record epoch" }).click();
  await page.getByText(/· 1 recorded/).waitFor();

  const fcp: number[] = [];
  const chart: number[] = [];
  for (let i = 0; i < loads; i++) {
    await page.goto(`${sandbox.url}/app/epochs`);
    await page.getByText(/· \d+ recorded/).waitFor();
    await page.locator("canvas").first().waitFor();
    chart.push((await page.evaluate("performance.now()")) as number);
    fcp.push(
      (await page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN",
      )) as number,
    );
  }

  const idle: (string | number)[][] = [];
  for (const route of ["epochs", "catalog", "orders", "health"]) {
    await page.goto(`${sandbox.url}/app/${route}`);
    await page.waitForLoadState("networkidle");
    const seen: string[] = [];
    const onRequest = (request: { url(): string }) => seen.push(new URL(request.url()).pathname);
    page.on("request", onRequest);
    await page.waitForTimeout(idleSeconds * 1000);
    page.off("request", onRequest);
    const byPath = new Map<string, number>();
    for (const path of seen) byPath.set(path, (byPath.get(path) ?? 0) + 1);
    idle.push([
      `/app/${route}`,
      ((seen.length * 60) / idleSeconds).toFixed(1),
      [...byPath].map(([path, n]) => `${path} ×${n}`).join(", ") || "none",
    ]);
  }

  const lines = [
    ...machineLines("npm run build:web && npx tsx bench/dashboard.ts"),
    `- load average (1 min) at the start: ${load1.toFixed(2)}; Chromium ${chrome.browser.version()} headless, 1200×800, loopback (no network latency)`,
    "",
    `Over ${loads} loads of \`/app/epochs\`, signed in (the session from sessionStorage): first contentful paint ` +
      `median **${ms(median(fcp))} ms** (min ${ms(Math.min(...fcp))}, max ${ms(Math.max(...fcp))}); the chart ` +
      `drawn with data median **${ms(median(chart))} ms** after navigation start (min ${ms(Math.min(...chart))}, ` +
      `max ${ms(Math.max(...chart))}).`,
    "",
    `Requests an idle open dashboard makes, each page left open ${idleSeconds} s in a visible tab:`,
    "",
    ...table(["page", "requests / minute", "what"], idle),
  ];
  if (args.print) console.log(lines.join("\n"));
  else writeResultsBlock("dashboard", lines);
  console.log(lines.join("\n"));
} finally {
  await chrome.close();
  await sandbox.stop();
}
