/**
 * Local end-to-end order latency (POST /orders → CONFIRMED) under a steady load, and whether the stream
 * processor keeps up with the API's maximum order rate. One sandbox (API + DynamoDB Local + stream runner)
 * in a child process; this process is the load generator.
 *
 *   npm run bench:orders [-- --rate 40 --seconds 15]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { orderStreamMapping } from "@meridian/functions";
import autocannon from "autocannon";

const { values } = parseArgs({
  options: { rate: { type: "string", default: "40" }, seconds: { type: "string", default: "15" } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

interface OrderView {
  id: string;
  status: string;
  createdAt: string;
  updatedAt: string;
}

function launch(): Promise<{ child: ChildProcess; url: string; admin: string; customer: string }> {
  const script = fileURLToPath(new URL("servers/sales-sandbox.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("LISTENING "));
      if (!line) return;
      const [, url = "", admin = "", customer = ""] = line.split(" ");
      resolve({ child, url, admin, customer });
    });
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}`)));
  });
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? Number.NaN;

const server = await launch();
try {
  const headers = (bearer: string) => ({
    authorization: `Bearer ${bearer}`,
    "content-type": "application/json",
  });
  const product = (await (
    await fetch(`${server.url}/products`, {
      method: "POST",
      headers: headers(server.admin),
      body: JSON.stringify({ name: "Bench", price: 100, currency: "EUR", stock: 1_000_000 }),
    })
  ).json()) as { id: string };
  const orderBody = JSON.stringify({ lines: [{ productId: product.id, quantity: 1 }] });
  const placeOrder = async () => {
    const res = await fetch(`${server.url}/orders`, {
      method: "POST",
      headers: headers(server.customer),
      body: orderBody,
    });
    if (res.status !== 202) throw new Error(`POST /orders answered ${res.status}`);
    return (await res.json()) as OrderView;
  };
  const pendingCount = async () => {
    const res = await fetch(`${server.url}/orders?status=PENDING&limit=100`, {
      headers: headers(server.admin),
    });
    return ((await res.json()) as { items: unknown[] }).items.length;
  };
  const drain = async () => {
    while ((await pendingCount()) > 0) await new Promise((r) => setTimeout(r, 25));
  };
  for (let i = 0; i < 20; i++) await placeOrder(); // warm-up
  await drain();

  // Phase 1: steady open-loop load at `rate` orders/s; latency = confirmation time − client send time.
  const sent: { sentAt: number; order: Promise<OrderView> }[] = [];
  const started = Date.now();
  for (let n = 0; n < rate * seconds; n++) {
    const due = started + (n * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sent.push({ sentAt: Date.now(), order: placeOrder() });
  }
  const placed = await Promise.all(sent.map(async (s) => ({ sentAt: s.sentAt, order: await s.order })));
  await drain();
  const final = await Promise.all(
    placed.map(async ({ sentAt, order }) => {
      const res = await fetch(`${server.url}/orders/${order.id}`, { headers: headers(server.customer) });
      const view = (await res.json()) as OrderView;
      return { status: view.status, latencyMs: Date.parse(view.updatedAt) - sentAt };
    }),
  );
  const latencies = final.map((f) => f.latencyMs).sort((a, b) => a - b);
  const steady = {
    orders: final.length,
    offeredRatePerSecond: rate,
    confirmed: final.filter((f) => f.status === "CONFIRMED").length,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.at(-1),
  };

  // Phase 2: the API's maximum order rate (closed loop, 10 connections), then how fast the backlog drains.
  const burstStart = Date.now();
  const burst = await autocannon({
    url: `${server.url}/orders`,
    method: "POST",
    headers: headers(server.customer),
    body: orderBody,
    connections: 10,
    duration: 10,
  });
  const burstEnd = Date.now();
  await drain();
  const drainedAt = Date.now();
  const accepted = burst.requests.total - burst.non2xx - burst.errors;
  const maximum = {
    apiOrdersPerSecond: Math.round(accepted / ((burstEnd - burstStart) / 1000)),
    processedOrdersPerSecond: Math.round(accepted / ((drainedAt - burstStart) / 1000)),
    backlogDrainedMsAfterLoad: drainedAt - burstEnd,
    non2xx: burst.non2xx,
  };

  console.log(JSON.stringify({ batchSettings: orderStreamMapping, steady, maximum }, null, 2));
} finally {
  server.child.kill("SIGTERM");
}
