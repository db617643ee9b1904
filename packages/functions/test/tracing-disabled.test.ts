import { SERVICE } from "@meridian/core";
import { describe, expect, it, vi } from "vitest";
import { loadTracing, noTracing } from "../src/tracing/tracing.ts";

// Records whether anything imports the tracer; the stand-in reports tracing off, as Powertools does
// outside Lambda.
const tracer = vi.hoisted(() => ({ loaded: false }));
vi.mock("@aws-lambda-powertools/tracer", () => {
  tracer.loaded = true;
  return {
    Tracer: class {
      isTracingEnabled() {
        return false;
      }
    },
  };
});

describe("tracing off (TRACING_ENABLED unset or false)", () => {
  it("is noTracing, and the tracer's module is never imported", async () => {
    // Act
    const tracing = await loadTracing({ enabled: false, service: SERVICE.http });

    // Assess
    expect(tracing).toBe(noTracing);
    expect(tracing.enabled).toBe(false);
    expect(tracer.loaded).toBe(false);
  });

  it("runs a traced function directly: called at once, its value and its error unchanged", async () => {
    // Prepare
    const result = { ok: true };
    const fn = vi.fn(async () => result);
    const failure = new Error("boom");

    // Act
    const pending = noTracing.traced("recordEpoch", fn, { requestId: "r-1" });
    const calledAtOnce = fn.mock.calls.length;

    // Assess
    expect(calledAtOnce).toBe(1);
    await expect(pending).resolves.toBe(result);
    await expect(noTracing.traced("placeOrder", () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(noTracing.invocation(fn)).resolves.toBe(result);
  });

  it("hands AWS SDK clients back untouched", () => {
    // Prepare
    const client = { middlewareStack: { use: vi.fn(), remove: vi.fn() }, config: {} };

    // Act
    const captured = noTracing.captureClient(client);

    // Assess
    expect(captured).toBe(client);
    expect(client.middlewareStack.use).not.toHaveBeenCalled();
  });
});

describe("TRACING_ENABLED=true outside Lambda", () => {
  it("loads the tracer, which stays off without Lambda's environment, so nothing is traced", async () => {
    // Act
    const tracing = await loadTracing({ enabled: true, service: SERVICE.http });

    // Assess
    expect(tracer.loaded).toBe(true);
    expect(tracing).toBe(noTracing);
  });
});
