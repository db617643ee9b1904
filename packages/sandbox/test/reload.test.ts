import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReloadEvent } from "../src/reload/index.ts";
import { PACKAGES_DIR } from "../src/reload/index.ts";
import { type Sandbox, startSandbox } from "../src/sandbox.ts";
import { client, memoryLog } from "./support.ts";

// A copy of the app's sources: the test edits it, never the checkout others work in.
const copy = mkdtempSync(join(tmpdir(), "meridian-reload-"));
for (const name of ["core", "adapters", "api", "functions"]) {
  cpSync(join(PACKAGES_DIR, name, "package.json"), join(copy, name, "package.json"));
  cpSync(join(PACKAGES_DIR, name, "src"), join(copy, name, "src"), { recursive: true });
}
const HEALTH = join(copy, "api", "src", "routes", "health.ts");
const original = readFileSync(HEALTH, "utf8");
const events: ReloadEvent[] = [];
const log = memoryLog();
let sandbox: Sandbox;

/** Saves health.ts with `/health`'s answer replaced by `body` (source text). */
function saveHealth(body: string): void {
  writeFileSync(HEALTH, original.replace('c.json({ status: "ok" })', body));
}

async function nextEvent(after: number, timeoutMs = 15_000): Promise<ReloadEvent> {
  const deadline = Date.now() + timeoutMs;
  while (events.length <= after) {
    if (Date.now() > deadline) throw new Error("no reload within the timeout");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return events[after] as ReloadEvent;
}

beforeAll(async () => {
  // Its own DynamoDB Local: the engine must outlive the reloads.
  sandbox = await startSandbox({
    port: 0,
    home: null,
    logSink: log,
    metricsJobPeriodSeconds: 0,
    images: false,
    dashboard: false,
    reload: { packagesDir: copy, onReload: (event) => events.push(event) },
  });
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(copy, { recursive: true, force: true });
});

describe("npm start's reload", () => {
  it("serves an edit to packages/api/src within the same sandbox, and keeps the last good app on a syntax error", async () => {
    const api = client(sandbox);
    const created = await api("/epoch", { method: "POST" });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const enginePid = sandbox.dynamodbStatus?.().pid;
    expect(enginePid).toBeGreaterThan(0);
    expect(await (await api("/health")).json()).toEqual({ status: "ok" });

    saveHealth('c.json({ status: "ok", edited: 1 } as { status: "ok" })');
    const reloaded = await nextEvent(0);
    expect(reloaded).toMatchObject({ kind: "reloaded", file: "packages/api/src/routes/health.ts" });
    expect(await (await api("/health")).json()).toEqual({ status: "ok", edited: 1 });
    expect(
      log.entries.some((entry) =>
        /^reloaded packages\/api\/src\/routes\/health\.ts in \d+ ms$/.test(entry.message),
      ),
    ).toBe(true);

    // What the reloaded app loads on demand (the OpenAPI generator, the reference page's renderer, read
    // from the installed swagger-ui-dist) still loads.
    expect((await api("/openapi.json")).status).toBe(200);
    const page = await (await api("/docs")).text();
    const script = page.match(/src="([^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    expect((await api(new URL(script ?? "", `${sandbox.url}/docs`).pathname)).status).toBe(200);

    // The engine and what it holds, and the development key, survived the reload.
    expect(sandbox.dynamodbStatus?.().pid).toBe(enginePid);
    expect((await api(`/epochs/${id}`)).status).toBe(200);

    saveHealth('c.json({ status: "ok", edited: 2 ');
    const failed = await nextEvent(1);
    expect(failed.kind).toBe("failed");
    expect(failed.kind === "failed" && failed.errors[0]).toMatch(
      /^packages\/api\/src\/routes\/health\.ts:\d+:\d+: /,
    );
    expect(log.entries.some((entry) => entry.level === "ERROR" && entry.message.includes("health.ts:"))).toBe(
      true,
    );
    expect(await (await api("/health")).json()).toEqual({ status: "ok", edited: 1 });

    saveHealth('c.json({ status: "ok", edited: 3 } as { status: "ok" })');
    expect(await nextEvent(2)).toMatchObject({ kind: "reloaded" });
    expect(await (await api("/health")).json()).toEqual({ status: "ok", edited: 3 });
    expect(sandbox.dynamodbStatus?.().pid).toBe(enginePid);
  }, 60_000);
});
