import type { Epoch } from "@meridian/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../src/sandbox.ts";
import { type Client, client, startTestSandbox } from "./support.ts";

let sandbox: Sandbox;
let api: Client;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  api = client(sandbox);
});
afterAll(() => sandbox.stop());

async function postMany(count: number, concurrency: number): Promise<string[]> {
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        next += 1;
        const res = await api("/epoch", { method: "POST" });
        expect(res.status).toBe(201);
        ids.push(((await res.json()) as Epoch).id);
      }
    }),
  );
  return ids;
}

async function readAll(limit: number, onPage: () => Promise<unknown> = async () => {}): Promise<Epoch[]> {
  const seen: Epoch[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const res = await api(`/epochs?limit=${limit}${query}`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: Epoch[]; nextCursor: string | null };
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items);
    cursor = page.nextCursor;
    await onPage();
  } while (cursor);
  return seen;
}

describe("epochs at volume", () => {
  it("loses nothing: 2,000 concurrent POSTs (20 at a time) are 2,000 distinct records in GET /epochs", async () => {
    const ids = await postMany(2_000, 20);

    const listed = await readAll(100);

    expect(new Set(ids).size).toBe(2_000);
    expect(listed).toHaveLength(2_000);
    expect(new Set(listed.map((e) => e.id))).toEqual(new Set(ids));
  });

  it("visits every record exactly once, newest first, across shards while writes continue", async () => {
    const existing = new Set((await readAll(100)).map((e) => e.id));
    const writtenDuring: string[] = [];

    const visited = await readAll(20, async () => {
      writtenDuring.push(...(await postMany(3, 3)));
    });

    const ids = visited.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of existing) expect(ids).toContain(id);
    expect(ids.filter((id) => !existing.has(id))).toEqual([]);
    expect(writtenDuring.length).toBeGreaterThan(200);
    expect([...ids].sort().reverse()).toEqual(ids);
    const shards = new Set(ids.map((id) => id.at(-1)));
    expect(shards.size).toBe(16);
  });
});
