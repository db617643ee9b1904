import {
  type Clock,
  createCursorCodec,
  type Epoch,
  type EpochStore,
  getEpoch,
  IdempotencyKeyReusedError,
  type IdempotencyToken,
  type IdGenerator,
  InvalidCursorError,
  listEpochs,
  NotFoundError,
  recordEpoch,
} from "@meridian/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

/** Test double of the EpochStore port: keeps epochs in a map and records how it was called. */
class InMemoryEpochStore implements EpochStore {
  readonly epochs = new Map<string, Epoch>();
  readonly keyIds = new Map<string, string>();
  readonly tokens = new Map<string, { fingerprint: string; epochId: string }>();
  readonly putOnceCalls: { epoch: Epoch; token: IdempotencyToken }[] = [];
  readonly listCalls: { limit: number; beforeId: string | undefined }[] = [];
  getCalls = 0;

  async put(epoch: Epoch, keyId?: string): Promise<void> {
    if (this.epochs.has(epoch.id)) throw new Error(`duplicate id ${epoch.id}`);
    this.epochs.set(epoch.id, { ...epoch });
    if (keyId !== undefined) this.keyIds.set(epoch.id, keyId);
  }

  async putOnce(
    epoch: Epoch,
    token: IdempotencyToken,
    keyId?: string,
  ): Promise<{ epoch: Epoch; replayed: boolean }> {
    this.putOnceCalls.push({ epoch, token });
    const slot = `${token.scope}\0${token.key}`;
    const seen = this.tokens.get(slot);
    if (seen) {
      if (seen.fingerprint !== token.fingerprint) throw new IdempotencyKeyReusedError();
      const first = this.epochs.get(seen.epochId);
      if (!first) throw new Error("token without epoch");
      return { epoch: first, replayed: true };
    }
    this.tokens.set(slot, { fingerprint: token.fingerprint, epochId: epoch.id });
    await this.put(epoch, keyId);
    return { epoch, replayed: false };
  }

  async get(id: string): Promise<Epoch | undefined> {
    this.getCalls += 1;
    return this.epochs.get(id);
  }

  async listNewest(limit: number, beforeId?: string): Promise<Epoch[]> {
    this.listCalls.push({ limit, beforeId });
    return [...this.epochs.values()]
      .filter((epoch) => beforeId === undefined || epoch.id < beforeId)
      .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .slice(0, limit);
  }

  async listNewestByKey(keyId: string, limit: number, beforeId?: string): Promise<Epoch[]> {
    const all = await this.listNewest(Number.MAX_SAFE_INTEGER, beforeId);
    return all.filter((epoch) => this.keyIds.get(epoch.id) === keyId).slice(0, limit);
  }

  async ping(): Promise<void> {}
}

const NOW_MS = 1_700_000_000_123;
const SECRET = "unit-test-secret-that-is-long-enough";

function fixedClock(nowMs = NOW_MS): Clock {
  return { nowMs: () => nowMs };
}

/** Lower-case UUIDs (version 7 shape) from a counter: they sort in the order they were made. */
function sequentialIds(): IdGenerator & { seenAtMs: number[] } {
  let next = 0;
  const seenAtMs: number[] = [];
  return {
    seenAtMs,
    timeOrdered(atMs) {
      seenAtMs.push(atMs);
      next += 1;
      return `00000000-0000-7000-8000-${next.toString(16).padStart(12, "0")}`;
    },
  };
}

function makeDeps(clock: Clock = fixedClock()) {
  const epochs = new InMemoryEpochStore();
  const ids = sequentialIds();
  return { epochs, ids, clock, cursors: createCursorCodec(SECRET) };
}

async function seed(deps: ReturnType<typeof makeDeps>, count: number): Promise<Epoch[]> {
  const made: Epoch[] = [];
  for (let n = 0; n < count; n += 1) {
    made.push((await recordEpoch(deps, { ip: "192.0.2.1", body: {} })).epoch);
  }
  return made;
}

describe("recordEpoch", () => {
  it("stores {id, epoch, ip} with epoch = clock milliseconds / 1000 and the id made for that instant", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const { epoch, replayed } = await recordEpoch(deps, { ip: "198.51.100.7", body: {} });

    // Assess
    expect(replayed).toBe(false);
    expect(epoch).toEqual({
      id: "00000000-0000-7000-8000-000000000001",
      epoch: 1_700_000_000.123,
      ip: "198.51.100.7",
    });
    expect(epoch).not.toHaveProperty("label");
    expect(deps.ids.seenAtMs).toEqual([NOW_MS]);
    expect(deps.epochs.epochs.get(epoch.id)).toEqual(epoch);
    expect(deps.epochs.putOnceCalls).toHaveLength(0);
  });

  it("keeps whole seconds exact and millisecond fractions as fractions", async () => {
    // Prepare
    const whole = makeDeps(fixedClock(1_000));
    const fraction = makeDeps(fixedClock(1_999));

    // Act
    const a = await recordEpoch(whole, { ip: "192.0.2.1", body: {} });
    const b = await recordEpoch(fraction, { ip: "192.0.2.1", body: {} });

    // Assess
    expect(a.epoch.epoch).toBe(1);
    expect(b.epoch.epoch).toBe(1.999);
  });

  it("stores the label the client sent", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const { epoch } = await recordEpoch(deps, { ip: "192.0.2.1", body: { label: "deploy #42" } });

    // Assess
    expect(epoch.label).toBe("deploy #42");
    expect(deps.epochs.epochs.get(epoch.id)?.label).toBe("deploy #42");
  });

  it("passes an idempotency token {scope, key, fingerprint} to putOnce instead of put", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const result = await recordEpoch(deps, {
      ip: "192.0.2.1",
      body: { label: "a" },
      keyId: "key_abc",
      idempotencyKey: "retry-1",
    });

    // Assess
    expect(result.replayed).toBe(false);
    expect(deps.epochs.putOnceCalls).toHaveLength(1);
    const call = deps.epochs.putOnceCalls[0];
    expect(call?.epoch).toEqual(result.epoch);
    expect(call?.token.scope).toBe("key_abc");
    expect(call?.token.key).toBe("retry-1");
    expect(call?.token.fingerprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("gives the same body the same fingerprint and different bodies different fingerprints", async () => {
    // Prepare
    const deps = makeDeps();
    const idempotency = (idempotencyKey: string) => ({ keyId: "key_abc", idempotencyKey });

    // Act
    await recordEpoch(deps, { ip: "192.0.2.1", body: { label: "a" }, ...idempotency("k1") });
    await recordEpoch(deps, { ip: "192.0.2.9", body: { label: "a" }, ...idempotency("k2") });
    await recordEpoch(deps, { ip: "192.0.2.1", body: { label: "b" }, ...idempotency("k3") });
    await recordEpoch(deps, { ip: "192.0.2.1", body: {}, ...idempotency("k4") });

    // Assess
    const [a1, a2, b, empty] = deps.epochs.putOnceCalls.map((call) => call.token.fingerprint);
    expect(a1).toBe(a2);
    expect(new Set([a1, b, empty]).size).toBe(3);
  });

  it("returns the first record, marked replayed, when the store has seen the token", async () => {
    // Prepare
    const deps = makeDeps();
    const command = { ip: "192.0.2.1", body: { label: "a" }, keyId: "key_abc", idempotencyKey: "k" };
    const first = await recordEpoch(deps, command);

    // Act
    const retry = await recordEpoch(deps, command);

    // Assess
    expect(retry).toEqual({ epoch: first.epoch, replayed: true });
    expect(deps.epochs.epochs.size).toBe(1);
  });

  it("lets the store refuse a reused key with another body", async () => {
    // Prepare
    const deps = makeDeps();
    const idempotency = { keyId: "key_abc", idempotencyKey: "k" };
    await recordEpoch(deps, { ip: "192.0.2.1", body: { label: "a" }, ...idempotency });

    // Act
    const reuse = recordEpoch(deps, { ip: "192.0.2.1", body: { label: "b" }, ...idempotency });

    // Assess
    await expect(reuse).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
    expect(deps.epochs.epochs.size).toBe(1);
  });
});

describe("getEpoch", () => {
  it("returns a stored epoch", async () => {
    // Prepare
    const deps = makeDeps();
    const [stored] = await seed(deps, 1);

    // Act
    const found = await getEpoch(deps, stored?.id ?? "");

    // Assess
    expect(found).toEqual(stored);
  });

  it("throws NotFoundError (404 NOT_FOUND) for an unknown UUID", async () => {
    // Prepare
    const deps = makeDeps();
    const unknown = "00000000-0000-7000-8000-0000000000ff";

    // Act
    const result = getEpoch(deps, unknown);

    // Assess
    await expect(result).rejects.toBeInstanceOf(NotFoundError);
    await expect(result).rejects.toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(deps.epochs.getCalls).toBe(1);
  });

  it("throws NotFoundError without reading the store when the id is not a UUID", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const result = getEpoch(deps, "../../etc/passwd");

    // Assess
    await expect(result).rejects.toBeInstanceOf(NotFoundError);
    expect(deps.epochs.getCalls).toBe(0);
  });
});

describe("listEpochs", () => {
  it("asks the store for limit + 1 items and returns limit, newest first, with a cursor", async () => {
    // Prepare
    const deps = makeDeps();
    const made = await seed(deps, 5);

    // Act
    const page = await listEpochs(deps, { limit: 2, mine: "false" }, "key_abc");

    // Assess
    expect(deps.epochs.listCalls).toEqual([{ limit: 3, beforeId: undefined }]);
    expect(page.items.map((e) => e.id)).toEqual([made[4]?.id, made[3]?.id]);
    expect(page.nextCursor).toEqual(expect.any(String));
  });

  it("signs a cursor that points before the last item of the page", async () => {
    // Prepare
    const deps = makeDeps();
    await seed(deps, 3);

    // Act
    const page = await listEpochs(deps, { limit: 2, mine: "false" }, "key_abc");

    // Assess
    const position = deps.cursors.decode("epochs", page.nextCursor ?? "");
    expect(position).toEqual({ before: page.items.at(-1)?.id });
  });

  it("follows cursors to the end: every epoch once, newest first, nextCursor null on the last page", async () => {
    // Prepare
    const deps = makeDeps();
    const made = await seed(deps, 5);

    // Act
    const first = await listEpochs(deps, { limit: 2, mine: "false" }, "key_abc");
    const second = await listEpochs(
      deps,
      { limit: 2, mine: "false", cursor: first.nextCursor ?? "" },
      "key_abc",
    );
    const last = await listEpochs(
      deps,
      { limit: 2, mine: "false", cursor: second.nextCursor ?? "" },
      "key_abc",
    );

    // Assess
    expect([...first.items, ...second.items, ...last.items].map((e) => e.id)).toEqual(
      made.map((e) => e.id).reverse(),
    );
    expect(deps.epochs.listCalls.map((call) => call.beforeId)).toEqual([
      undefined,
      first.items.at(-1)?.id,
      second.items.at(-1)?.id,
    ]);
    expect(last.items).toHaveLength(1);
    expect(last.nextCursor).toBeNull();
  });

  it("returns nextCursor null when exactly limit items remain", async () => {
    // Prepare
    const deps = makeDeps();
    await seed(deps, 3);

    // Act
    const page = await listEpochs(deps, { limit: 3, mine: "false" }, "key_abc");

    // Assess
    expect(page.items).toHaveLength(3);
    expect(page.nextCursor).toBeNull();
  });

  it("returns an empty page with nextCursor null for an empty store", async () => {
    // Prepare
    const deps = makeDeps();

    // Act
    const page = await listEpochs(deps, { limit: 25, mine: "false" }, "key_abc");

    // Assess
    expect(page).toEqual({ items: [], nextCursor: null });
  });

  it("pages through any number of epochs with any page size without loss or repetition", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 1, max: 7 }),
        async (count, limit) => {
          // Prepare
          const deps = makeDeps();
          const made = await seed(deps, count);

          // Act
          const seen: string[] = [];
          let cursor: string | undefined;
          let pages = 0;
          do {
            const page = await listEpochs(
              deps,
              cursor === undefined ? { limit, mine: "false" } : { limit, mine: "false", cursor },
              "key_abc",
            );
            seen.push(...page.items.map((e) => e.id));
            cursor = page.nextCursor ?? undefined;
            pages += 1;
          } while (cursor !== undefined && pages <= count + 1);

          // Assess
          expect(seen).toEqual(made.map((e) => e.id).reverse());
          expect(pages).toBe(Math.max(1, Math.ceil(count / limit)));
        },
      ),
    );
  });

  it("rejects a cursor issued for another listing", async () => {
    // Prepare
    const deps = makeDeps();
    const [stored] = await seed(deps, 1);
    const foreign = deps.cursors.encode("orders", { before: stored?.id ?? "" });

    // Act
    const result = listEpochs(deps, { limit: 2, mine: "false", cursor: foreign }, "key_abc");

    // Assess
    await expect(result).rejects.toBeInstanceOf(InvalidCursorError);
    expect(deps.epochs.listCalls).toHaveLength(0);
  });

  it("rejects a correctly signed cursor whose position is not a UUID", async () => {
    // Prepare
    const deps = makeDeps();
    const odd = deps.cursors.encode("epochs", { before: "not-a-uuid" });
    const missing = deps.cursors.encode("epochs", { after: "00000000-0000-7000-8000-000000000001" });

    // Act
    const results = [odd, missing].map((cursor) =>
      listEpochs(deps, { limit: 2, mine: "false", cursor }, "key_abc"),
    );

    // Assess
    for (const result of results) await expect(result).rejects.toBeInstanceOf(InvalidCursorError);
    expect(deps.epochs.listCalls).toHaveLength(0);
  });
});

describe("listEpochs with mine", () => {
  it("lists only the caller's key's epochs, and binds the cursor to that key's listing", async () => {
    // Prepare
    const deps = makeDeps();
    for (const keyId of ["key_a", "key_b", "key_a", "key_a", "key_b"]) {
      await recordEpoch(deps, { ip: "192.0.2.1", body: {}, keyId });
    }
    await recordEpoch(deps, { ip: "203.0.113.9", body: {} }); // a public visit: no key

    // Act
    const first = await listEpochs(deps, { limit: 2, mine: "true" }, "key_a");
    const rest = await listEpochs(deps, { limit: 2, mine: "true", cursor: first.nextCursor ?? "" }, "key_a");
    const asOther = listEpochs(deps, { limit: 2, mine: "true", cursor: first.nextCursor ?? "" }, "key_b");
    const inFull = listEpochs(deps, { limit: 2, mine: "false", cursor: first.nextCursor ?? "" }, "key_a");

    // Assess
    const ids = [...first.items, ...rest.items].map((epoch) => epoch.id);
    expect(ids).toHaveLength(3);
    expect(ids.every((id) => deps.epochs.keyIds.get(id) === "key_a")).toBe(true);
    expect(rest.nextCursor).toBeNull();
    await expect(asOther).rejects.toBeInstanceOf(InvalidCursorError);
    await expect(inFull).rejects.toBeInstanceOf(InvalidCursorError);
    expect((await listEpochs(deps, { limit: 25, mine: "false" }, "key_a")).items).toHaveLength(6);
  });
});
