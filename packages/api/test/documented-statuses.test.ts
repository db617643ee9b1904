import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createTcpServer, type Socket } from "node:net";
import {
  createDocumentClient,
  DynamoApiKeyStore,
  DynamoCatalogStore,
  DynamoEpochStore,
  DynamoImageStore,
  DynamoOrderStore,
  ensureTables,
  lazyImagesBucket,
  tableNames,
} from "@meridian/adapters";
import { DEFAULT_IMAGE_LIMITS, type Order, reserveStock, systemClock } from "@meridian/core";
import { MetricsCollector } from "@meridian/sandbox";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { MeridianApp } from "../src/index.ts";
import type { OpenApiDocument } from "../src/routes/openapi-document.ts";
import { appOnDynamoDbLocal } from "./support/app.ts";

// Every status the document gives an operation is one the route answers: each is provoked through
// app.request() on DynamoDB Local (503s on an app whose DynamoDB accepts connections and never answers), and
// the cases must be exactly the document's (operation, status) pairs, so a status documented without a way
// to provoke it, or answered without being documented here, fails the test.

const AUDIENCE = "documented-statuses";
const BUCKET = "api-tests";
let jwks: Server;
let s3: Server;
let silent: ReturnType<typeof createTcpServer>;
const sockets: Socket[] = [];
let issuer = "";
let privateKey: Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];
let live: { app: MeridianApp; key: string; close(): void };
let stalled: { app: MeridianApp; key: string; close(): void };
const closers: (() => void)[] = [];
let doc: OpenApiDocument;

const listen = (server: Server | ReturnType<typeof createTcpServer>) =>
  new Promise<number>((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)),
  );

/** An access token of the test issuer for `sub`, in the admin group when `admin`. */
function token(sub: string, admin = false): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: issuer,
    sub,
    token_use: "access",
    client_id: AUDIENCE,
    iat: now,
    exp: now + 3600,
    ...(admin ? { "cognito:groups": ["admin"] } : {}),
  })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .sign(privateKey);
}

/** The stores on tables of this file's own (the live app's), for fixtures the API cannot make. */
function stores(endpoint: string, prefix: string) {
  const db = createDocumentClient({ endpoint });
  closers.push(() => db.destroy());
  const tables = tableNames(prefix);
  return {
    db,
    tables,
    deps: {
      epochs: new DynamoEpochStore(db, tables.epochs),
      catalog: new DynamoCatalogStore(db, tables.catalog),
      orders: new DynamoOrderStore(db, tables.orders, tables.catalog),
      images: new DynamoImageStore(db, tables.catalog),
    },
  };
}

type Credentials = "key" | "admin" | "customer" | null | { bearer: string };
interface Send {
  method?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  as?: Credentials;
  app?: "live" | "stalled";
}

async function send(
  path: string,
  { method = "GET", body, raw, headers = {}, as = null, app = "live" }: Send,
) {
  const h = new Headers(headers);
  if (body !== undefined || raw !== undefined)
    h.set("content-type", h.get("content-type") ?? "application/json");
  const target = app === "live" ? live : stalled;
  if (as === "key") h.set("x-api-key", target.key);
  else if (as === "admin") h.set("authorization", `Bearer ${await token("admin-1", true)}`);
  else if (as === "customer") h.set("authorization", `Bearer ${await token("customer-1")}`);
  else if (as) h.set("authorization", `Bearer ${as.bearer}`);
  return target.app.request(path, {
    method,
    headers: h,
    ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
}

// Fixtures: made in beforeAll, read by the cases when they run.
let product = "";
let epoch = "";
let order = "";
let rejected = "";
let image = "";
const none = () => randomUUID();

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  issuer = `http://127.0.0.1:${await listen(jwks)}/issuer`;
  // S3's answer to a listing of an empty prefix, all that deleting a PROCESSING image's objects asks.
  s3 = createServer((_req, res) => {
    res
      .writeHead(200, { "content-type": "application/xml" })
      .end(
        `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${BUCKET}</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`,
      );
  });
  const s3Port = await listen(s3);
  // A DynamoDB that takes connections and never answers: every call outlives the request budget.
  silent = createTcpServer((socket) => sockets.push(socket));
  const silentPort = await listen(silent);

  const jwt = { issuer, audience: AUDIENCE, jwksUrl: new URL(`${issuer}/.well-known/jwks.json`) };
  const mine = stores(inject("dynamodbEndpoint"), `statuses-${randomUUID().slice(0, 8)}`);
  await ensureTables(mine.db, mine.tables);
  live = await appOnDynamoDbLocal({
    ...mine.deps,
    jwt,
    orderLimits: { openOrdersPerDay: 2, unitsPerProductPerDay: 1000, ordersPerMinute: 3 },
    imageLimits: { ...DEFAULT_IMAGE_LIMITS, maxImagesPerProduct: 1 },
    imagesBucket: lazyImagesBucket({
      bucket: BUCKET,
      endpoint: `http://127.0.0.1:${s3Port}`,
      credentials: { accessKeyId: "test", secretAccessKey: "test-secret" },
    }),
    metrics: new MetricsCollector().reader(),
  });
  const dead = stores(`http://127.0.0.1:${silentPort}`, "stalled");
  stalled = await appOnDynamoDbLocal({
    ...dead.deps,
    apiKeys: new DynamoApiKeyStore(dead.db, dead.tables.apiKeys),
    jwt,
    imagesBucket: lazyImagesBucket({
      bucket: BUCKET,
      endpoint: `http://127.0.0.1:${s3Port}`,
      credentials: { accessKeyId: "test", secretAccessKey: "test-secret" },
    }),
    requestBudgetMs: 300,
    metrics: { read: () => Promise.reject(new Error("CloudWatch did not answer")) },
  });
  doc = (await (await live.app.request("/openapi.json")).json()) as OpenApiDocument;

  const created = await send("/products", {
    method: "POST",
    as: "admin",
    body: { name: "Lamp", price: 1000, currency: "EUR", stock: 5 },
  });
  product = ((await created.json()) as { id: string }).id;
  const outOfStock = await send("/products", {
    method: "POST",
    as: "admin",
    body: { name: "Gone", price: 100, currency: "EUR", stock: 0 },
  });
  const goneId = ((await outOfStock.json()) as { id: string }).id;
  epoch = ((await (await send("/epoch", { method: "POST", as: "key" })).json()) as { id: string }).id;
  const placed = await send("/orders", {
    method: "POST",
    as: "customer",
    body: { lines: [{ productId: product, quantity: 1 }] },
  });
  order = ((await placed.json()) as Order).id;
  const toReject = (await (
    await send("/orders", {
      method: "POST",
      as: { bearer: await token("customer-rejected") },
      body: { lines: [{ productId: goneId, quantity: 1 }] },
    })
  ).json()) as Order;
  // What the stream processor does with it: no stock, so REJECTED.
  await reserveStock({ orders: mine.deps.orders, clock: systemClock }, toReject);
  rejected = toReject.id;
}, 60_000);

afterAll(async () => {
  live?.close();
  stalled?.close();
  for (const close of closers) close();
  for (const socket of sockets) socket.destroy();
  await Promise.all([jwks, s3, silent].map((server) => new Promise((resolve) => server?.close(resolve))));
});

const customer = async (sub: string) => ({ bearer: await token(sub) });
const big = JSON.stringify({ label: "x".repeat(70_000) });

/** Each documented (operation, status) and a request that gets it, in the order they run. */
const cases: [operation: string, status: number, run: () => Promise<Response>][] = [
  ["GET /", 200, () => send("/", {})],
  ["GET /", 405, () => send("/", { method: "HEAD" })],
  ["GET /", 503, () => send("/", { app: "stalled" })],
  ["GET /health", 200, () => send("/health", {})],
  ["GET /health/ready", 200, () => send("/health/ready", {})],
  ["GET /health/ready", 503, () => send("/health/ready", { app: "stalled" })],

  ["POST /epoch", 201, () => send("/epoch", { method: "POST", as: "key", body: { label: "x" } })],
  ["POST /epoch", 400, () => send("/epoch", { method: "POST", as: "key", body: { label: 42 } })],
  ["POST /epoch", 401, () => send("/epoch", { method: "POST" })],
  ["POST /epoch", 413, () => send("/epoch", { method: "POST", as: "key", raw: big })],
  [
    "POST /epoch",
    415,
    () => send("/epoch", { method: "POST", as: "key", raw: "hi", headers: { "content-type": "text/plain" } }),
  ],
  [
    "POST /epoch",
    422,
    async () => {
      const headers = { "idempotency-key": `k-${randomUUID()}` };
      await send("/epoch", { method: "POST", as: "key", headers, body: { label: "a" } });
      return send("/epoch", { method: "POST", as: "key", headers, body: { label: "b" } });
    },
  ],
  ["POST /epoch", 503, () => send("/epoch", { method: "POST", as: "key", app: "stalled" })],
  ["GET /epochs", 200, () => send("/epochs", { as: "key" })],
  ["GET /epochs", 400, () => send("/epochs?limit=0", { as: "key" })],
  ["GET /epochs", 401, () => send("/epochs", {})],
  ["GET /epochs", 403, () => send("/epochs", { as: "customer" })],
  ["GET /epochs", 503, () => send("/epochs", { as: "key", app: "stalled" })],
  ["GET /epochs/{id}", 200, () => send(`/epochs/${epoch}`, { as: "key" })],
  ["GET /epochs/{id}", 401, () => send(`/epochs/${epoch}`, {})],
  ["GET /epochs/{id}", 403, () => send(`/epochs/${epoch}`, { as: "customer" })],
  ["GET /epochs/{id}", 404, () => send(`/epochs/${none()}`, { as: "key" })],
  ["GET /epochs/{id}", 503, () => send(`/epochs/${epoch}`, { as: "key", app: "stalled" })],

  ["GET /products", 200, () => send("/products", {})],
  ["GET /products", 400, () => send("/products?limit=0", {})],
  ["GET /products", 503, () => send("/products", { app: "stalled" })],
  [
    "POST /products",
    201,
    () =>
      send("/products", {
        method: "POST",
        as: "admin",
        body: { name: "Desk", price: 1, currency: "EUR", stock: 1 },
      }),
  ],
  ["POST /products", 400, () => send("/products", { method: "POST", as: "admin", body: { name: "" } })],
  ["POST /products", 401, () => send("/products", { method: "POST", body: {} })],
  ["POST /products", 403, () => send("/products", { method: "POST", as: "customer", body: {} })],
  [
    "POST /products",
    422,
    async () => {
      const headers = { "idempotency-key": `k-${randomUUID()}` };
      const body = (name: string) => ({ name, price: 1, currency: "EUR", stock: 1 });
      await send("/products", { method: "POST", as: "admin", headers, body: body("One") });
      return send("/products", { method: "POST", as: "admin", headers, body: body("Other") });
    },
  ],
  [
    "POST /products",
    503,
    () =>
      send("/products", {
        method: "POST",
        as: "admin",
        app: "stalled",
        body: { name: "Desk", price: 1, currency: "EUR", stock: 1 },
      }),
  ],
  ["GET /products/{id}", 200, () => send(`/products/${product}`, {})],
  ["GET /products/{id}", 404, () => send(`/products/${none()}`, {})],
  ["GET /products/{id}", 503, () => send(`/products/${product}`, { app: "stalled" })],
  [
    "PATCH /products/{id}",
    200,
    () =>
      send(`/products/${product}`, { method: "PATCH", as: "admin", body: { version: 1, name: "Lamp 2" } }),
  ],
  [
    "PATCH /products/{id}",
    400,
    () => send(`/products/${product}`, { method: "PATCH", as: "admin", body: { version: 0 } }),
  ],
  [
    "PATCH /products/{id}",
    401,
    () => send(`/products/${product}`, { method: "PATCH", body: { version: 1 } }),
  ],
  [
    "PATCH /products/{id}",
    403,
    () => send(`/products/${product}`, { method: "PATCH", as: "customer", body: { version: 1 } }),
  ],
  [
    "PATCH /products/{id}",
    404,
    () => send(`/products/${none()}`, { method: "PATCH", as: "admin", body: { version: 1, name: "x" } }),
  ],
  // Version 1 is the one the 200 above changed.
  [
    "PATCH /products/{id}",
    409,
    () =>
      send(`/products/${product}`, { method: "PATCH", as: "admin", body: { version: 1, name: "Lamp 3" } }),
  ],
  [
    "PATCH /products/{id}",
    503,
    () =>
      send(`/products/${product}`, {
        method: "PATCH",
        as: "admin",
        app: "stalled",
        body: { version: 1, name: "x" },
      }),
  ],
  [
    "POST /products/{id}/stock",
    200,
    () => send(`/products/${product}/stock`, { method: "POST", as: "admin", body: { delta: 1 } }),
  ],
  [
    "POST /products/{id}/stock",
    400,
    () => send(`/products/${product}/stock`, { method: "POST", as: "admin", body: { delta: 0 } }),
  ],
  [
    "POST /products/{id}/stock",
    401,
    () => send(`/products/${product}/stock`, { method: "POST", body: { delta: 1 } }),
  ],
  [
    "POST /products/{id}/stock",
    403,
    () => send(`/products/${product}/stock`, { method: "POST", as: "customer", body: { delta: 1 } }),
  ],
  [
    "POST /products/{id}/stock",
    404,
    () => send(`/products/${none()}/stock`, { method: "POST", as: "admin", body: { delta: 1 } }),
  ],
  [
    "POST /products/{id}/stock",
    409,
    () => send(`/products/${product}/stock`, { method: "POST", as: "admin", body: { delta: -1000 } }),
  ],
  [
    "POST /products/{id}/stock",
    422,
    async () => {
      const headers = { "idempotency-key": `k-${randomUUID()}` };
      await send(`/products/${product}/stock`, { method: "POST", as: "admin", headers, body: { delta: 1 } });
      return send(`/products/${product}/stock`, { method: "POST", as: "admin", headers, body: { delta: 2 } });
    },
  ],
  [
    "POST /products/{id}/stock",
    503,
    () =>
      send(`/products/${product}/stock`, { method: "POST", as: "admin", app: "stalled", body: { delta: 1 } }),
  ],

  [
    "POST /orders",
    202,
    () =>
      send("/orders", {
        method: "POST",
        as: "customer",
        body: { lines: [{ productId: product, quantity: 1 }] },
      }),
  ],
  ["POST /orders", 400, () => send("/orders", { method: "POST", as: "customer", body: { lines: [] } })],
  ["POST /orders", 401, () => send("/orders", { method: "POST", body: { lines: [] } })],
  [
    "POST /orders",
    409,
    async () => {
      // Two open orders a day at most (the test app's limits), so the third is refused.
      const as = await customer(`c409-${randomUUID()}`);
      const body = { lines: [{ productId: product, quantity: 1 }] };
      await send("/orders", { method: "POST", as, body });
      await send("/orders", { method: "POST", as, body });
      return send("/orders", { method: "POST", as, body });
    },
  ],
  [
    "POST /orders",
    422,
    () =>
      send("/orders", {
        method: "POST",
        as: "customer",
        body: { lines: [{ productId: none(), quantity: 1 }] },
      }),
  ],
  [
    "POST /orders",
    429,
    async () => {
      // Three orders a minute at most: each cancelled, so the daily limit never applies.
      const as = await customer(`c429-${randomUUID()}`);
      const body = { lines: [{ productId: product, quantity: 1 }] };
      for (let i = 0; i < 3; i++) {
        const placed = (await (await send("/orders", { method: "POST", as, body })).json()) as Order;
        await send(`/orders/${placed.id}/cancel`, { method: "POST", as });
      }
      return send("/orders", { method: "POST", as, body });
    },
  ],
  [
    "POST /orders",
    503,
    () =>
      send("/orders", {
        method: "POST",
        as: "customer",
        app: "stalled",
        body: { lines: [{ productId: product, quantity: 1 }] },
      }),
  ],
  ["GET /orders", 200, () => send("/orders", { as: "customer" })],
  ["GET /orders", 400, () => send("/orders?limit=0", { as: "customer" })],
  ["GET /orders", 401, () => send("/orders", {})],
  ["GET /orders", 403, () => send("/orders?status=PENDING", { as: "customer" })],
  ["GET /orders", 503, () => send("/orders", { as: "customer", app: "stalled" })],
  ["GET /orders/{id}", 200, () => send(`/orders/${order}`, { as: "customer" })],
  ["GET /orders/{id}", 401, () => send(`/orders/${order}`, {})],
  ["GET /orders/{id}", 404, () => send(`/orders/${none()}`, { as: "customer" })],
  ["GET /orders/{id}", 503, () => send(`/orders/${order}`, { as: "customer", app: "stalled" })],
  [
    "POST /orders/{id}/cancel",
    200,
    () => send(`/orders/${order}/cancel`, { method: "POST", as: "customer" }),
  ],
  ["POST /orders/{id}/cancel", 401, () => send(`/orders/${order}/cancel`, { method: "POST" })],
  [
    "POST /orders/{id}/cancel",
    404,
    () => send(`/orders/${none()}/cancel`, { method: "POST", as: "customer" }),
  ],
  [
    "POST /orders/{id}/cancel",
    409,
    async () =>
      send(`/orders/${rejected}/cancel`, { method: "POST", as: await customer("customer-rejected") }),
  ],
  [
    "POST /orders/{id}/cancel",
    503,
    () => send(`/orders/${order}/cancel`, { method: "POST", as: "customer", app: "stalled" }),
  ],
  [
    "POST /orders/cancel",
    200,
    () => send("/orders/cancel", { method: "POST", as: "admin", body: { customerId: "customer-1" } }),
  ],
  ["POST /orders/cancel", 400, () => send("/orders/cancel", { method: "POST", as: "admin", body: {} })],
  ["POST /orders/cancel", 401, () => send("/orders/cancel", { method: "POST", body: {} })],
  [
    "POST /orders/cancel",
    403,
    () => send("/orders/cancel", { method: "POST", as: "customer", body: { customerId: "customer-1" } }),
  ],
  [
    "POST /orders/cancel",
    503,
    () =>
      send("/orders/cancel", {
        method: "POST",
        as: "admin",
        app: "stalled",
        body: { customerId: "customer-1" },
      }),
  ],

  [
    "POST /products/{id}/images",
    201,
    async () => {
      const res = await send(`/products/${product}/images`, {
        method: "POST",
        as: "admin",
        body: { contentType: "image/png" },
      });
      image = ((await res.clone().json()) as { imageId: string }).imageId;
      return res;
    },
  ],
  [
    "POST /products/{id}/images",
    400,
    () =>
      send(`/products/${product}/images`, {
        method: "POST",
        as: "admin",
        body: { contentType: "image/gif" },
      }),
  ],
  [
    "POST /products/{id}/images",
    401,
    () => send(`/products/${product}/images`, { method: "POST", body: {} }),
  ],
  [
    "POST /products/{id}/images",
    403,
    () => send(`/products/${product}/images`, { method: "POST", as: "customer", body: {} }),
  ],
  [
    "POST /products/{id}/images",
    404,
    () =>
      send(`/products/${none()}/images`, { method: "POST", as: "admin", body: { contentType: "image/png" } }),
  ],
  // One image per product in the test app, and the 201 above holds it.
  [
    "POST /products/{id}/images",
    409,
    () =>
      send(`/products/${product}/images`, {
        method: "POST",
        as: "admin",
        body: { contentType: "image/png" },
      }),
  ],
  [
    "POST /products/{id}/images",
    503,
    () =>
      send(`/products/${product}/images`, {
        method: "POST",
        as: "admin",
        app: "stalled",
        body: { contentType: "image/png" },
      }),
  ],
  // No image is READY yet: an empty order names each of them once.
  [
    "PATCH /products/{id}/images",
    200,
    () => send(`/products/${product}/images`, { method: "PATCH", as: "admin", body: { order: [] } }),
  ],
  [
    "PATCH /products/{id}/images",
    400,
    () => send(`/products/${product}/images`, { method: "PATCH", as: "admin", body: { order: "x" } }),
  ],
  [
    "PATCH /products/{id}/images",
    401,
    () => send(`/products/${product}/images`, { method: "PATCH", body: { order: [] } }),
  ],
  [
    "PATCH /products/{id}/images",
    403,
    () => send(`/products/${product}/images`, { method: "PATCH", as: "customer", body: { order: [] } }),
  ],
  [
    "PATCH /products/{id}/images",
    404,
    () => send(`/products/${none()}/images`, { method: "PATCH", as: "admin", body: { order: [] } }),
  ],
  [
    "PATCH /products/{id}/images",
    409,
    () => send(`/products/${product}/images`, { method: "PATCH", as: "admin", body: { order: [none()] } }),
  ],
  [
    "PATCH /products/{id}/images",
    503,
    () =>
      send(`/products/${product}/images`, {
        method: "PATCH",
        as: "admin",
        app: "stalled",
        body: { order: [] },
      }),
  ],
  [
    "GET /products/{id}/images/{imageId}",
    200,
    () => send(`/products/${product}/images/${image}`, { as: "admin" }),
  ],
  ["GET /products/{id}/images/{imageId}", 401, () => send(`/products/${product}/images/${image}`, {})],
  [
    "GET /products/{id}/images/{imageId}",
    403,
    () => send(`/products/${product}/images/${image}`, { as: "customer" }),
  ],
  [
    "GET /products/{id}/images/{imageId}",
    404,
    () => send(`/products/${product}/images/${none()}`, { as: "admin" }),
  ],
  [
    "GET /products/{id}/images/{imageId}",
    503,
    () => send(`/products/${product}/images/${image}`, { as: "admin", app: "stalled" }),
  ],
  [
    "DELETE /products/{id}/images/{imageId}",
    401,
    () => send(`/products/${product}/images/${image}`, { method: "DELETE" }),
  ],
  [
    "DELETE /products/{id}/images/{imageId}",
    403,
    () => send(`/products/${product}/images/${image}`, { method: "DELETE", as: "customer" }),
  ],
  [
    "DELETE /products/{id}/images/{imageId}",
    404,
    () => send(`/products/${product}/images/${none()}`, { method: "DELETE", as: "admin" }),
  ],
  [
    "DELETE /products/{id}/images/{imageId}",
    503,
    () => send(`/products/${product}/images/${image}`, { method: "DELETE", as: "admin", app: "stalled" }),
  ],
  [
    "DELETE /products/{id}/images/{imageId}",
    204,
    () => send(`/products/${product}/images/${image}`, { method: "DELETE", as: "admin" }),
  ],

  ["GET /metrics", 200, () => send("/metrics", { as: "customer" })],
  ["GET /metrics", 400, () => send("/metrics?minutes=0", { as: "customer" })],
  ["GET /metrics", 401, () => send("/metrics", { as: "key" })],
  ["GET /metrics", 503, () => send("/metrics", { as: "customer", app: "stalled" })],
];

/** Every route with a JSON body answers 413 and 415 before it runs (jsonBody), once the caller is admitted. */
const withBody: [operation: string, path: () => string, as: Credentials][] = [
  ["POST /products", () => "/products", "admin"],
  ["PATCH /products/{id}", () => `/products/${product}`, "admin"],
  ["POST /products/{id}/stock", () => `/products/${product}/stock`, "admin"],
  ["POST /orders", () => "/orders", "customer"],
  ["POST /orders/cancel", () => "/orders/cancel", "admin"],
  ["POST /products/{id}/images", () => `/products/${product}/images`, "admin"],
  ["PATCH /products/{id}/images", () => `/products/${product}/images`, "admin"],
];
for (const [operation, path, as] of withBody) {
  const method = operation.split(" ")[0];
  cases.push(
    [operation, 413, () => send(path(), { method, as, raw: big })],
    [
      operation,
      415,
      () => send(path(), { method, as, raw: "{}", headers: { "content-type": "text/plain" } }),
    ],
  );
}

/** The document's operations, `METHOD /path`, with their statuses and what they take. */
function operations() {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({
      name: `${method.toUpperCase()} ${path}`,
      statuses: Object.keys(op.responses).map(Number),
      takesInput: Boolean(op.requestBody) || (op.parameters ?? []).some((p) => p.in !== "path"),
      takesBody: Boolean(op.requestBody),
      secured: (op.security ?? []).length > 0,
    })),
  );
}

describe("the documented response codes", () => {
  it("are exactly the ones provoked below, operation by operation", () => {
    const documented = operations().flatMap(({ name, statuses }) => statuses.map((s) => `${name} ${s}`));
    const provoked = cases.map(([name, status]) => `${name} ${status}`);

    expect(documented.filter((pair) => !provoked.includes(pair))).toEqual([]);
    expect(provoked.filter((pair) => !documented.includes(pair))).toEqual([]);
  });

  it("include 400 where the operation takes input (413 and 415 too for a body), 401 where it has security, 503 where it reaches a dependency", () => {
    const missing = operations().flatMap(({ name, statuses, takesInput, takesBody, secured }) => [
      ...(takesInput && !statuses.includes(400) ? [`${name} 400`] : []),
      ...(takesBody ? [413, 415].filter((s) => !statuses.includes(s)).map((s) => `${name} ${s}`) : []),
      ...(secured && !statuses.includes(401) ? [`${name} 401`] : []),
      // GET /health reads nothing (liveness): nothing of it can outlive the budget.
      ...(name !== "GET /health" && !statuses.includes(503) ? [`${name} 503`] : []),
    ]);

    expect(missing).toEqual([]);
  });

  it.each(cases)("%s answers %d", async (_operation, status, run) => {
    const res = await run();

    const text = await res.text();

    expect(res.status, text).toBe(status);
    // Every error is the one JSON shape (a HEAD answer has no body to show it).
    if (status >= 400 && text) expect(JSON.parse(text).error.code).toMatch(/^[A-Z_]+$/);
    if (status === 503) expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
  });
});
