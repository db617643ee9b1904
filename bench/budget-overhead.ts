/**
 * What the time budgets add to each request, measured on their own, side by side in one process:
 *
 * 1. the request deadline: a Hono app answering like a route does, with and without `hono/timeout`
 *    (the middleware `createApp` installs), CPU per `app.request()`;
 * 2. the call budget: GetItem against DynamoDB Local through a DynamoDB client with the SDK's defaults and
 *    through one with `clientBudget(BUDGETS.http.call)` (connect and attempt timers, our retry strategy),
 *    this process's CPU per call.
 *
 * Rounds alternate which side goes first; the figure is the median of the rounds' ratios.
 *
 *   npx tsx bench/budget-overhead.ts [-- --rounds 7 --requests 50000 --calls 15000]
 */
import { parseArgs } from "node:util";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { clientBudget, createDocumentClient, ensureTables, tableNames } from "@meridian/adapters";
import { BUDGETS } from "@meridian/core";
import { startDynamoDbLocal } from "@meridian/sandbox";
import { Hono } from "hono";
import { timeout } from "hono/timeout";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "7" },
    requests: { type: "string", default: "50000" },
    calls: { type: "string", default: "15000" },
  },
});
const rounds = Number(values.rounds);
const requests = Number(values.requests);
const calls = Number(values.calls);
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const cpuMicros = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const round2 = (x: number) => Math.round(x * 100) / 100;

function app(withDeadline: boolean) {
  const hono = new Hono();
  if (withDeadline) hono.use(timeout(BUDGETS.http.requestMs));
  hono.post("/epoch", async (c) => {
    await Promise.resolve(); // the awaited write
    return c.json({ id: "0194e7c2-0000-7000-8000-000000000000", epoch: 1, ip: "127.0.0.1" }, 201);
  });
  return hono;
}

async function perRequest(hono: Hono): Promise<number> {
  const before = cpuMicros();
  for (let i = 0; i < requests; i++) await hono.request("/epoch", { method: "POST" });
  return (cpuMicros() - before) / requests;
}

async function perCall(client: DynamoDBClient, tableName: string): Promise<number> {
  const command = new GetItemCommand({
    TableName: tableName,
    Key: { pk: { S: "HEALTH" }, sk: { S: "HEALTH" } },
  });
  const before = cpuMicros();
  // Ten at a time, as a busy function's pool would be.
  for (let i = 0; i < calls; i += 10)
    await Promise.all(Array.from({ length: 10 }, () => client.send(command)));
  return (cpuMicros() - before) / calls;
}

/** Runs both measurements, `without` first or second, and answers them as [without, with]. */
async function pair(without: () => Promise<number>, withIt: () => Promise<number>, withoutFirst: boolean) {
  if (withoutFirst) {
    const a = await without();
    return [a, await withIt()] as [number, number];
  }
  const b = await withIt();
  return [await without(), b] as [number, number];
}

const engine = await startDynamoDbLocal();
try {
  const names = tableNames("budget-bench");
  const setup = createDocumentClient({ endpoint: engine.endpoint });
  await ensureTables(setup, names);
  setup.destroy();
  const local = {
    endpoint: engine.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  };
  const defaults = new DynamoDBClient(local);
  const budgeted = new DynamoDBClient({ ...local, ...clientBudget(BUDGETS.http.call) });
  const [plainApp, deadlineApp] = [app(false), app(true)];

  // Warm: JIT, the pools, DynamoDB Local.
  await perRequest(plainApp);
  await perRequest(deadlineApp);
  await perCall(defaults, names.epochs);
  await perCall(budgeted, names.epochs);

  const rows: { app: [number, number]; sdk: [number, number] }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const withoutFirst = round % 2 === 1;
    const appPair = await pair(
      () => perRequest(plainApp),
      () => perRequest(deadlineApp),
      withoutFirst,
    );
    const sdkPair = await pair(
      () => perCall(defaults, names.epochs),
      () => perCall(budgeted, names.epochs),
      withoutFirst,
    );
    rows.push({ app: appPair, sdk: sdkPair });
    console.error(
      `round ${round}: app ${appPair[0].toFixed(2)} → ${appPair[1].toFixed(2)} µs/request; GetItem ${sdkPair[0].toFixed(1)} → ${sdkPair[1].toFixed(1)} µs/call`,
    );
  }
  defaults.destroy();
  budgeted.destroy();

  const appAdded = median(rows.map((r) => r.app[1] - r.app[0]));
  const sdkAdded = median(rows.map((r) => r.sdk[1] - r.sdk[0]));
  const summary = {
    appWithout: round2(median(rows.map((r) => r.app[0]))),
    appWith: round2(median(rows.map((r) => r.app[1]))),
    appAddedUs: round2(appAdded),
    sdkWithout: round2(median(rows.map((r) => r.sdk[0]))),
    sdkWith: round2(median(rows.map((r) => r.sdk[1]))),
    sdkAddedUs: round2(sdkAdded),
    sdkRatio: round2(median(rows.map((r) => r.sdk[1] / r.sdk[0]))),
  };
  writeResultsBlock("budget-overhead", [
    ...machineLines(
      `npx tsx bench/budget-overhead.ts --rounds ${rounds} --requests ${requests} --calls ${calls}`,
    ),
    "",
    ...table(
      ["what", "without (median)", "with the budget (median)", "added: median of the rounds' differences"],
      [
        [
          "Hono app, CPU per request (`hono/timeout`, 3 s)",
          `${summary.appWithout} µs`,
          `${summary.appWith} µs`,
          `${summary.appAddedUs} µs`,
        ],
        [
          "DynamoDB GetItem, client CPU per call (`clientBudget(BUDGETS.http.call)`)",
          `${summary.sdkWithout} µs`,
          `${summary.sdkWith} µs`,
          `${summary.sdkAddedUs} µs (${summary.sdkRatio}×)`,
        ],
      ],
    ),
  ]);
  console.log(
    JSON.stringify({ settings: { rounds, requests, calls }, rounds: rows, median: summary }, null, 2),
  );
} finally {
  await engine.stop();
}
