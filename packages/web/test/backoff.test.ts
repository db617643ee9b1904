import { describe, expect, it } from "vitest";
import { ordersPollMs, parseRetryAfterMs, RETRY, retryDelayMs } from "../src/backoff.ts";

describe("retryDelayMs", () => {
  it("honours Retry-After in seconds or as a date, capped", () => {
    const now = Date.parse("2026-12-04T10:00:00Z");

    expect(retryDelayMs(1, "3")).toBe(3_000);
    expect(retryDelayMs(1, "Fri, 04 Dec 2026 10:00:07 GMT", Math.random, now)).toBe(7_000);
    expect(retryDelayMs(1, "3600")).toBe(RETRY.maxMs);
  });

  it("doubles from a second without a usable Retry-After, with jitter, never past the cap", () => {
    const top = () => 1;

    expect([1, 2, 3, 4, 5, 6, 7].map((attempt) => retryDelayMs(attempt, null, top))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000,
    ]);
    expect(retryDelayMs(4, "soon", () => 0.5)).toBe(4_000);
    // Jitter never makes it a busy loop.
    expect(retryDelayMs(1, undefined, () => 0)).toBe(500);
  });

  it("reads Retry-After as delta seconds or HTTP date only", () => {
    expect(parseRetryAfterMs(" 2 ")).toBe(2_000);
    expect(parseRetryAfterMs("")).toBeUndefined();
    expect(parseRetryAfterMs("-1")).toBeUndefined();
    expect(parseRetryAfterMs("Thu, 01 Jan 1970 00:00:00 GMT", 5_000)).toBe(0);
  });
});

describe("ordersPollMs", () => {
  it("polls every 2 s while an order is pending, every 10 s after a minute of it, every 60 s otherwise", () => {
    const now = 1_000_000;

    expect(ordersPollMs(now - 5_000, now)).toBe(2_000);
    expect(ordersPollMs(now - 59_999, now)).toBe(2_000);
    expect(ordersPollMs(now - 60_000, now)).toBe(10_000);
    expect(ordersPollMs(undefined, now)).toBe(60_000);
  });
});
