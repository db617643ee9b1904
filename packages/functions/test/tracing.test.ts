import { randomBytes, randomUUID } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import {
  type createDocumentClient,
  DynamoCatalogStore,
  DynamoOrderStore,
  type TableNames,
} from "@meridian/adapters";
import { orderInsert, streamEvent } from "@meridian/adapters/testing";
import type { Order } from "@meridian/core";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { prepareFunctionEnvironment } from "./fixtures/environment.ts";
import { httpApiV2Event } from "./fixtures/http-api-v2.ts";
import { lambdaContext } from "./fixtures/lambda-context.ts";

/**
 * Tracing on, as in Lambda with active tracing: the X-Ray SDK sends one UDP datagram per closed
 * subsegment to AWS_XRAY_DAEMON_ADDRESS, here a socket this file listens on. Each handler module reads
 * its environment when first imported, so everything is set before the imports.
 */

type HttpEvent = Parameters<typeof import("../src/http/handler.ts")["handler"]>[0];
/** hono types the events more loosely than @types/aws-lambda (see handler.test.ts); the shapes are real. */
const asHttpEvent = (event: APIGatewayProxyEventV2) => event as unknown as HttpEvent;

const APP_SECRET = "functions-tracing-test-secret-0123456789";
const HEADER = '{"format":"json","version":1}';

interface SubsegmentDocument {
  name: string;
  id: string;
  trace_id: string;
  parent_id?: string;
  type?: string;
  namespace?: string;
  annotations?: Record<string, string | number | boolean>;
  aws?: { operation?: string; table_name?: string };
  error?: boolean;
  fault?: boolean;
}

let daemon: Socket;
let received: SubsegmentDocument[] = [];
let names: TableNames;
let apiKey: string;
let db: ReturnType<typeof createDocumentClient>;

beforeAll(async () => {
  daemon = createSocket("udp4");
  daemon.on("message", (message) => {
    const text = message.toString("utf8");
    const newline = text.indexOf("\n");
    // The X-Ray daemon protocol: a header line, then the segment document.
    expect(text.slice(0, newline)).toBe(HEADER);
    received.push(JSON.parse(text.slice(newline + 1)) as SubsegmentDocument);
  });
  await new Promise<void>((resolve) => daemon.bind(0, "127.0.0.1", resolve));

  ({ names, db, apiKey } = await prepareFunctionEnvironment("tracing", APP_SECRET));
  vi.stubEnv("TRACING_ENABLED", "true");
  // What Lambda sets: the X-Ray SDK runs in its Lambda mode, Powertools Tracer turns itself on.
  vi.stubEnv("AWS_EXECUTION_ENV", "AWS_Lambda_nodejs22.x");
  vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "meridian-test");
  vi.stubEnv("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
  vi.stubEnv("LAMBDA_TASK_ROOT", process.cwd());
  vi.stubEnv("AWS_XRAY_DAEMON_ADDRESS", `127.0.0.1:${daemon.address().port}`);
  vi.stubEnv("_X_AMZN_TRACE_ID", undefined);
  // Access log lines and EMF metrics go to stdout; keep the test output readable.
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  vi.spyOn(process.stdout, "write").mockImplementation(() => true);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  db.destroy();
  await new Promise<void>((resolve) => daemon.close(() => resolve()));
});

beforeEach(() => {
  received = [];
});

/** Sets the trace header the Lambda runtime sets before each invocation; returns its root and parent. */
function newInvocationTrace() {
  const root = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`;
  const parent = randomBytes(8).toString("hex");
  vi.stubEnv("_X_AMZN_TRACE_ID", `Root=${root};Parent=${parent};Sampled=1`);
  return { root, parent };
}

/** Waits until datagrams stop arriving (they are sent asynchronously after each subsegment closes). */
async function settle(atLeast: number): Promise<SubsegmentDocument[]> {
  await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(atLeast), { timeout: 5_000 });
  await new Promise((resolve) => setTimeout(resolve, 100));
  return received;
}

function named(documents: SubsegmentDocument[], name: string): SubsegmentDocument[] {
  return documents.filter((d) => d.name === name);
}

describe("http function with TRACING_ENABLED=true", () => {
  it("answers POST /epoch and sends `## index.handler` › `## recordEpoch` › DynamoDB subsegments", async () => {
    // Prepare
    const { handler } = await import("../src/http/handler.ts");
    const trace = newInvocationTrace();
    const requestId = "Tr4ce1dReq0001=";
    const event = httpApiV2Event(
      {
        method: "POST",
        path: "/epoch",
        headers: { "content-type": "application/json", "x-api-key": apiKey },
        body: JSON.stringify({ label: "traced" }),
      },
      requestId,
    );

    // Act
    const response = await handler(asHttpEvent(event), lambdaContext());

    // Assess
    expect(response.statusCode).toBe(201);
    expect(JSON.parse(response.body)).toMatchObject({ label: "traced" });
    const documents = await settle(4);
    expect(documents.every((d) => d.trace_id === trace.root && d.type === "subsegment")).toBe(true);
    const [invocation] = named(documents, "## index.handler");
    const [useCase] = named(documents, "## recordEpoch");
    expect(invocation?.parent_id).toBe(trace.parent);
    expect(invocation?.annotations).toMatchObject({ requestId, Service: "http", ColdStart: true });
    expect(useCase?.parent_id).toBe(invocation?.id);
    const dynamo = named(documents, "DynamoDB");
    // The API-key lookup and the conditional put, both inside the use case's subsegment.
    expect(dynamo.map((d) => d.aws?.operation).sort()).toEqual(["GetItem", "PutItem"]);
    expect(dynamo.every((d) => d.parent_id === useCase?.id && d.namespace === "aws")).toBe(true);
    expect(dynamo.find((d) => d.aws?.operation === "PutItem")?.aws?.table_name).toBe(names.epochs);
  });

  it("names the subsegment after the route when it runs no use case, and marks the next call warm", async () => {
    // Prepare
    const { handler } = await import("../src/http/handler.ts");
    newInvocationTrace();

    // Act
    const response = await handler(
      asHttpEvent(httpApiV2Event({ method: "GET", path: "/health" })),
      lambdaContext(),
    );

    // Assess
    expect(response.statusCode).toBe(200);
    const documents = await settle(2);
    expect(named(documents, "## GET /health")).toHaveLength(1);
    expect(named(documents, "## index.handler")[0]?.annotations).toMatchObject({ ColdStart: false });
  });
});

describe("order-stream function with TRACING_ENABLED=true", () => {
  it("reserves an order's stock in a `## reserveStock` subsegment annotated with the order and correlation ids", async () => {
    // Prepare
    const { handler } = await import("../src/order-stream/handler.ts");
    const now = new Date().toISOString();
    const productId = randomUUID();
    await new DynamoCatalogStore(db, names.catalog).create({
      id: productId,
      name: "Traced teapot",
      description: "",
      price: 1500,
      currency: "EUR",
      stock: 3,
      images: [],
      version: 1,
      createdAt: now,
      updatedAt: now,
    });
    const order: Order = {
      id: randomUUID(),
      customerId: "customer-1",
      lines: [{ productId, quantity: 2, unitPrice: 1500 }],
      total: 3000,
      currency: "EUR",
      status: "PENDING",
      correlationId: "Pl4ceOrderReq1=",
      createdAt: now,
      updatedAt: now,
    };
    await new DynamoOrderStore(db, names.orders, names.catalog).create(order);
    const event = streamEvent(orderInsert(order, { sequenceNumber: "100" }));
    const trace = newInvocationTrace();
    const context = lambdaContext(randomUUID());

    // Act
    const result = await handler(event, context, () => undefined);

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const documents = await settle(3);
    const [invocation] = named(documents, "## index.handler");
    const [processing] = named(documents, "## reserveStock");
    expect(invocation?.parent_id).toBe(trace.parent);
    expect(invocation?.annotations).toMatchObject({
      requestId: context.awsRequestId,
      Service: "order-stream",
    });
    expect(processing?.parent_id).toBe(invocation?.id);
    expect(processing?.annotations).toEqual({ orderId: order.id, correlationId: "Pl4ceOrderReq1=" });
    const dynamo = named(documents, "DynamoDB");
    expect(dynamo.map((d) => d.aws?.operation)).toContain("TransactWriteItems");
    expect(dynamo.every((d) => d.parent_id === processing?.id)).toBe(true);
  });
});

describe("metrics-job function with TRACING_ENABLED=true", () => {
  it("collects the figures in a `## collectMetrics` subsegment holding the DynamoDB reads", async () => {
    // Prepare
    const { handler } = await import("../src/metrics-job/handler.ts");
    const trace = newInvocationTrace();

    // Act
    await handler({}, lambdaContext(randomUUID()));

    // Assess
    const documents = await settle(3);
    const [invocation] = named(documents, "## index.handler");
    const [collecting] = named(documents, "## collectMetrics");
    expect(invocation?.parent_id).toBe(trace.parent);
    expect(invocation?.annotations).toMatchObject({ Service: "metrics-job" });
    expect(collecting?.parent_id).toBe(invocation?.id);
    const dynamo = named(documents, "DynamoDB");
    expect(dynamo.length).toBeGreaterThan(0);
    expect(dynamo.every((d) => d.parent_id === collecting?.id)).toBe(true);
  });
});
