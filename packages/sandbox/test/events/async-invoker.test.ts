import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  listAsyncFailures,
  redriveAsyncFailures,
  startAsyncInvoker,
} from "../../src/events/async-invoker.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const stateDir = () => {
  const dir = mkdtempSync(join(tmpdir(), "meridian-async-"));
  dirs.push(dir);
  return dir;
};

describe("the asynchronous invoker (Lambda's InvocationType Event)", () => {
  it("retries a failing event twice, then writes it to the on-failure destination with Lambda's fields", async () => {
    // Prepare
    const dir = stateDir();
    const attempts: number[] = [];
    const invoker = startAsyncInvoker<{ n: number }>({
      name: "image-processor",
      stateDir: dir,
      retryDelaysMs: [10, 20],
      handler: async () => {
        throw new TypeError("no such upload");
      },
      onAttempt: ({ attempt }) => attempts.push(attempt),
    });

    // Act
    invoker.invoke({ n: 1 });
    await invoker.idle();

    // Assess
    expect(attempts).toEqual([1, 2, 3]);
    const [failure, ...rest] = listAsyncFailures<{ n: number }>(dir, "image-processor");
    expect(rest).toEqual([]);
    expect(failure).toMatchObject({
      version: "1.0",
      requestContext: { condition: "RetriesExhausted", approximateInvokeCount: 3 },
      requestPayload: { n: 1 },
      responseContext: { functionError: "Unhandled" },
      responsePayload: { errorType: "TypeError", errorMessage: "no such upload" },
    });
  });

  it("runs an event that succeeds once, and leaves nothing in the destination", async () => {
    // Prepare
    const dir = stateDir();
    let calls = 0;
    const invoker = startAsyncInvoker({
      name: "fn",
      stateDir: dir,
      handler: async () => {
        calls++;
      },
    });

    // Act
    invoker.invoke({});
    invoker.invoke({});
    await invoker.idle();

    // Assess
    expect(calls).toBe(2);
    expect(listAsyncFailures(dir, "fn")).toEqual([]);
  });

  it("redrives: entries that now succeed leave the destination, the others stay", async () => {
    // Prepare
    const dir = stateDir();
    let broken = true;
    const handler = async (event: { ok: boolean }) => {
      if (broken || !event.ok) throw new Error("still broken");
    };
    const invoker = startAsyncInvoker({ name: "fn", stateDir: dir, retryDelaysMs: [], handler });
    invoker.invoke({ ok: true });
    invoker.invoke({ ok: false });
    await invoker.idle();
    broken = false;

    // Act
    const result = await redriveAsyncFailures(dir, "fn", handler);

    // Assess
    expect(result).toEqual({ redriven: 1, stillFailing: 1 });
    expect(listAsyncFailures<{ ok: boolean }>(dir, "fn").map((f) => f.requestPayload)).toEqual([
      { ok: false },
    ]);
  });
});
