import { createServer, type Server, type Socket } from "node:net";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { BUDGETS, type CallBudget } from "@meridian/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BudgetedRetryStrategy,
  createCommandClient,
  createDocumentClient,
  dynamo,
  RETRY_QUOTA,
} from "../src/index.ts";

// A DynamoDB that accepts connections, reads the requests and never answers: what a frozen engine does.
let silent: Server;
let endpoint: string;
let requests = 0;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("data", (chunk) => {
      requests += (chunk.toString("latin1").match(/^POST \/ HTTP\/1\.1/gm) ?? []).length;
    });
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const address = silent.address();
  endpoint = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

const getItem = new GetItemCommand({ TableName: "t", Key: { id: { S: "x" } } });

describe("a call's budget against a DynamoDB that never answers", () => {
  it("gives up within totalMs, after the attempts that fit in it, with an error that means 503", async () => {
    // Prepare
    const budget = BUDGETS.http.call;
    const client = createCommandClient({ endpoint, budget });
    requests = 0;

    // Act
    const started = performance.now();
    const failure = await dynamo(() => client.send(getItem)).catch((error: unknown) => error);
    const elapsed = performance.now() - started;
    client.destroy();

    // Assess
    expect(failure).toMatchObject({ name: "DependencyUnavailableError", status: 503 });
    expect(elapsed).toBeGreaterThanOrEqual(budget.attemptTimeoutMs);
    expect(elapsed).toBeLessThan(budget.totalMs + 500);
    // Two 1 s attempts fit in 2.5 s; a third could not finish in time and is never sent.
    expect(requests).toBe(2);
  });

  it("applies the same budget to the document client", async () => {
    // No backoff: three 300 ms attempts always fit in 1 s.
    const budget: CallBudget = {
      ...BUDGETS.http.call,
      attemptTimeoutMs: 300,
      totalMs: 1_000,
      backoffBaseMs: 0,
    };
    const client = createDocumentClient({ endpoint, budget });
    requests = 0;

    const failure = await dynamo(() => client.send(getItem)).catch((error: unknown) => error);
    client.destroy();

    expect(failure).toMatchObject({ name: "DependencyUnavailableError" });
    expect(requests).toBe(3);
  });
});

describe("BudgetedRetryStrategy", () => {
  const budget: CallBudget = {
    connectTimeoutMs: 100,
    attemptTimeoutMs: 1_000,
    maxAttempts: 5,
    totalMs: 2_500,
    backoffBaseMs: 0,
    throttlingBackoffBaseMs: 0,
  };

  it("retries transient errors and throttling while a whole attempt still fits in the budget", async () => {
    let now = 0;
    const strategy = new BudgetedRetryStrategy(budget, () => now);
    const first = await strategy.acquireInitialRetryToken("dynamodb");

    now = 1_000;
    const second = await strategy.refreshRetryTokenForRetry(first, { errorType: "TRANSIENT" });
    now = 2_000;
    const refused = strategy.refreshRetryTokenForRetry(second, { errorType: "THROTTLING" });

    expect(second.getRetryCount()).toBe(1);
    await expect(refused).rejects.toThrow("retry budget spent");
  });

  it("never retries a client error, and stops at maxAttempts", async () => {
    const strategy = new BudgetedRetryStrategy({ ...budget, maxAttempts: 2, totalMs: 60_000 }, () => 0);
    const first = await strategy.acquireInitialRetryToken("dynamodb");

    await expect(strategy.refreshRetryTokenForRetry(first, { errorType: "CLIENT_ERROR" })).rejects.toThrow();
    const second = await strategy.refreshRetryTokenForRetry(first, { errorType: "TRANSIENT" });
    await expect(strategy.refreshRetryTokenForRetry(second, { errorType: "TRANSIENT" })).rejects.toThrow(
      "no attempts left",
    );
  });
});

describe("the retry quota", () => {
  it("refuses retries once an outage has drained it, and fills up again with successful calls", async () => {
    const budget: CallBudget = { ...BUDGETS.http.call, maxAttempts: 2, totalMs: 60_000, backoffBaseMs: 0 };
    const strategy = new BudgetedRetryStrategy(budget, () => 0);
    const retriesAllowed = RETRY_QUOTA.capacity / RETRY_QUOTA.transientCost;

    const outcomes = await Promise.all(
      Array.from({ length: retriesAllowed + 5 }, async () => {
        const token = await strategy.acquireInitialRetryToken("dynamodb");
        return strategy.refreshRetryTokenForRetry(token, { errorType: "TRANSIENT" }).then(
          (retry) => retry,
          (error: Error) => error.message,
        );
      }),
    );

    expect(outcomes.filter((o) => typeof o !== "string")).toHaveLength(retriesAllowed);
    expect(outcomes.filter((o) => o === "retry quota spent")).toHaveLength(5);
    const retried = outcomes.find((o) => typeof o !== "string");
    if (!retried || typeof retried === "string") throw new Error("no retry");
    strategy.recordSuccess(retried);
    expect(strategy.quotaLeft()).toBe(RETRY_QUOTA.transientCost);
    strategy.recordSuccess(await strategy.acquireInitialRetryToken("dynamodb"));
    expect(strategy.quotaLeft()).toBe(RETRY_QUOTA.transientCost + RETRY_QUOTA.successRefund);
  });
});
