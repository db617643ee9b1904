import { describe, expect, it } from "vitest";
import { loadOnce } from "../src/index.ts";

describe("loadOnce", () => {
  it("loads once and gives every caller, concurrent or later, the same result", async () => {
    let calls = 0;
    const load = loadOnce(async () => {
      calls += 1;
      return { n: calls };
    });

    const [a, b] = await Promise.all([load(), load()]);
    const c = await load();

    expect(calls).toBe(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
  });

  it("does not keep a failure: the next call loads again", async () => {
    let calls = 0;
    const load = loadOnce(async () => {
      calls += 1;
      if (calls === 1) throw new Error("chunk missing");
      return "loaded";
    });

    await expect(load()).rejects.toThrow("chunk missing");
    await expect(load()).resolves.toBe("loaded");
    await expect(load()).resolves.toBe("loaded");
    expect(calls).toBe(2);
  });
});
