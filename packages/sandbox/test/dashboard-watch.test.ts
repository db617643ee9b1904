import { randomUUID } from "node:crypto";
import { appendFileSync, cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WEB_PACKAGE_DIR } from "../src/dashboard/watch.ts";
import type { Sandbox } from "../src/sandbox.ts";
import { startTestSandbox } from "./support.ts";

// A copy of the dashboard's sources inside packages/web (so its imports resolve), which this test edits.
const sources = join(WEB_PACKAGE_DIR, "test-results", `watch-${randomUUID().slice(0, 8)}`);
let sandbox: Sandbox;

beforeAll(async () => {
  mkdirSync(sources, { recursive: true });
  for (const entry of ["index.html", "vite.config.ts", "src", "public"])
    cpSync(join(WEB_PACKAGE_DIR, entry), join(sources, entry), { recursive: true });
  sandbox = await startTestSandbox({
    dashboard: { watch: true, sources, dir: join(sources, "dist") },
    images: false,
    streams: false,
  });
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
  rmSync(sources, { recursive: true, force: true });
});

/** Reads the reload stream until `predicate` holds for what has arrived, or the time is up. */
async function readUntil(body: ReadableStream<Uint8Array>, predicate: (text: string) => boolean, ms: number) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + ms;
  while (!predicate(text) && Date.now() < deadline) {
    const chunk = await Promise.race([
      reader.read(),
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), deadline - Date.now())),
    ]);
    if (!chunk || chunk.done) break;
    text += decoder.decode(chunk.value, { stream: true });
  }
  reader.releaseLock();
  return text;
}

describe("npm start's dashboard watcher", () => {
  it("builds the dashboard, then rebuilds it when a source changes and tells the open page to reload", async () => {
    await expect
      .poll(async () => (await fetch(`${sandbox.url}/app/`)).status, { timeout: 30_000, interval: 250 })
      .toBe(200);
    const before = await (await fetch(`${sandbox.url}/app/`)).text();
    const config = (await (await fetch(`${sandbox.url}/app/config.json`)).json()) as { reloadUrl?: string };
    expect(config.reloadUrl).toBe("/_sandbox/reload");
    const stream = await fetch(`${sandbox.url}${config.reloadUrl}`);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);

    appendFileSync(join(sources, "src", "styles.css"), "\n.watch-test { color: #123456; }\n");

    const events = await readUntil(
      stream.body as ReadableStream<Uint8Array>,
      (t) => t.includes("event: reload"),
      30_000,
    );
    expect(events).toContain("event: reload");
    const after = await (await fetch(`${sandbox.url}/app/`)).text();
    // The stylesheet's hash changed with its content, and index.html names the new one.
    expect(after).not.toBe(before);
    const css = after.match(/href="\/app\/(assets\/[^"]+\.css)"/)?.[1];
    expect(await (await fetch(`${sandbox.url}/app/${css}`)).text()).toContain("#123456");
    await stream.body?.cancel();
  });
});
