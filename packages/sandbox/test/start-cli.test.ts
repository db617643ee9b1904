import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ISSUER_PATH, signLocalToken } from "../src/issuer.ts";
import { readRunningSandbox } from "../src/running.ts";

const START = fileURLToPath(new URL("../src/cli/start.ts", import.meta.url));
const TOKEN = fileURLToPath(new URL("../src/cli/token.ts", import.meta.url));
// The dashboard's watcher is a Vite build per start: the browser tests cover it. The app's reload watches
// the checkout others edit: reload.test.ts covers it on a copy.
const QUIET = { MERIDIAN_DASHBOARD: "off", MERIDIAN_RELOAD: "off" };

/** Runs one of the sandbox's CLIs to completion. */
function run(script: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
      env: { ...process.env, ...QUIET, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
const homes: string[] = [];
afterAll(() => {
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  url: string;
  apiKey: string;
  enginePid: number;
  output: () => string;
}

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), "meridian-home-"));
  homes.push(home);
  return home;
}

/** Runs `npm start`'s program as a user would (a separate process) and waits for its banner. */
function start(args: string[], env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ["--import", "tsx", START, "--port", "0", ...args], {
    env: { ...process.env, ...QUIET, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = output.match(/API\s+(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
      const apiKey = output.match(/API key\s+(\S+)/)?.[1];
      const enginePid = output.match(/\(pid (\d+)/)?.[1];
      if (url && apiKey && enginePid && output.includes("Press Ctrl-C")) {
        resolve({ child, url, apiKey, enginePid: Number(enginePid), output: () => output });
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`sandbox exited with ${code}:\n${output}`)));
  });
}

function stop(running: Running): Promise<number | null> {
  return new Promise((resolve) => {
    running.child.once("exit", (code) => resolve(code));
    running.child.kill("SIGTERM");
  });
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("npm start", () => {
  it("keeps data and the development key across restarts, and stops its JVM on SIGTERM", async () => {
    const home = newHome();
    const first = await start([], { MERIDIAN_HOME: home });
    const created = await fetch(`${first.url}/epoch`, {
      method: "POST",
      headers: { "x-api-key": first.apiKey },
    });
    const { id } = (await created.json()) as { id: string };

    expect(await stop(first)).toBe(0);
    expect(alive(first.enginePid)).toBe(false);
    expect(first.output()).toMatch(/POST\s+\/epoch 201/);

    const second = await start([], { MERIDIAN_HOME: home });
    const read = await fetch(`${second.url}/epochs/${id}`, { headers: { "x-api-key": second.apiKey } });
    expect(second.apiKey).toBe(first.apiKey);
    expect(read.status).toBe(200);

    // `npm run -s token` prints only the token, and the API accepts it.
    const token = await run(TOKEN, ["--role", "customer", "--sub", "alice"], { MERIDIAN_HOME: home });
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const mine = await fetch(`${second.url}/orders`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    expect(mine.status).toBe(200);
    expect(await stop(second)).toBe(0);
  });

  it("keeps nothing with --in-memory and uses MERIDIAN_DEV_API_KEY", async () => {
    const home = newHome();
    const devKey = "dev-key-from-the-environment-123";
    const first = await start(["--in-memory"], { MERIDIAN_HOME: home, MERIDIAN_DEV_API_KEY: devKey });
    const created = await fetch(`${first.url}/epoch`, { method: "POST", headers: { "x-api-key": devKey } });
    const { id } = (await created.json()) as { id: string };
    expect(first.apiKey).toBe(devKey);
    await stop(first);

    const second = await start(["--in-memory"], { MERIDIAN_HOME: home, MERIDIAN_DEV_API_KEY: devKey });
    const read = await fetch(`${second.url}/epochs/${id}`, { headers: { "x-api-key": devKey } });
    await stop(second);

    expect(read.status).toBe(404);
    expect(existsSync(join(home, "dynamodb"))).toBe(false);
    expect(existsSync(join(home, "dev-api-key"))).toBe(false);
  });

  it("leaves no order PENDING and no stock reserved twice after being killed mid-stream", async () => {
    const home = newHome();
    const first = await start([], { MERIDIAN_HOME: home });
    const running = readRunningSandbox(home);
    if (!running) throw new Error("the sandbox did not publish .meridian/sandbox.json");
    const issuer = `${running.url}${ISSUER_PATH}`;
    const admin = await signLocalToken(running.issuerKey, { issuer, role: "admin", sub: "ops" });
    const post = (path: string, bearer: string, body: unknown) =>
      fetch(`${first.url}${path}`, {
        method: "POST",
        headers: { authorization: `Bearer ${bearer}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      }).then((res) => res.json() as Promise<{ id: string; stock: number }>);
    const product = await post("/products", admin, { name: "Lamp", price: 500, currency: "EUR", stock: 30 });
    const buyers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        signLocalToken(running.issuerKey, { issuer, role: "customer", sub: `k${i}` }),
      ),
    );
    await Promise.all(
      buyers.map((bearer) => post("/orders", bearer, { lines: [{ productId: product.id, quantity: 1 }] })),
    );

    first.child.kill("SIGKILL");
    await new Promise((resolve) => first.child.once("exit", resolve));
    await waitUntil(() => !alive(first.enginePid));
    const second = await start([], { MERIDIAN_HOME: home });
    const adminNow = await signLocalToken(running.issuerKey, {
      issuer: `${second.url}${ISSUER_PATH}`,
      role: "admin",
      sub: "ops",
    });
    const list = async (status: string) => {
      const res = await fetch(`${second.url}/orders?status=${status}&limit=100`, {
        headers: { authorization: `Bearer ${adminNow}` },
      });
      return ((await res.json()) as { items: { lines: { quantity: number }[] }[] }).items;
    };
    await waitUntil(async () => (await list("PENDING")).length === 0);

    const confirmed = await list("CONFIRMED");
    const rejected = await list("REJECTED");
    const stock = ((await (await fetch(`${second.url}/products/${product.id}`)).json()) as { stock: number })
      .stock;
    await stop(second);
    expect(confirmed).toHaveLength(30);
    expect(rejected).toHaveLength(10);
    expect(stock).toBe(0);
  });

  it("answers a mistyped option, or one npm took for itself (no `--`), with what to write and the usage", async () => {
    // Act
    const typo = await run(START, ["--inmemory"], {});
    const withoutDashes = await run(START, [], { npm_config_in_memory: "true" });
    const tokenTypo = await run(TOKEN, ["--rol", "admin"], {});

    // Assess
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("Unknown option '--inmemory'");
    expect(typo.stderr).toContain("Usage: npm start");
    expect(typo.stderr).not.toMatch(/ERR_PARSE_ARGS|\n\s+at /);
    expect(withoutDashes.code).toBe(2);
    expect(withoutDashes.stderr).toContain("write `npm start -- --in-memory`");
    expect(tokenTypo.code).toBe(2);
    expect(tokenTypo.stderr).toContain("Usage: npm run -s token");
  });

  it("prints a customer's token for `npm run -s token` without --role, as the README says", async () => {
    // Prepare
    const home = newHome();
    const running = await start(["--in-memory"], { MERIDIAN_HOME: home });

    // Act
    const token = await run(TOKEN, [], { MERIDIAN_HOME: home });

    // Assess: only the token on stdout; the API takes it as a customer's (own orders yes, admin's list no).
    expect(token.code).toBe(0);
    expect(token.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const bearer = { authorization: `Bearer ${token.stdout.trim()}` };
    const claims = JSON.parse(Buffer.from(token.stdout.split(".")[1] ?? "", "base64url").toString()) as {
      sub: string;
      "cognito:groups": string[];
    };
    const own = await fetch(`${running.url}/orders`, { headers: bearer });
    const everyones = await fetch(`${running.url}/orders?status=PENDING`, { headers: bearer });
    await stop(running);
    expect(claims.sub).toBe("dev-customer");
    expect(claims["cognito:groups"]).toEqual([]);
    expect(own.status).toBe(200);
    expect(everyones.status).toBe(403);
  });

  it("says which DynamoDB it tried when DYNAMODB_ENDPOINT does not answer", async () => {
    // Act
    const result = await run(START, ["--in-memory", "--port", "0"], {
      DYNAMODB_ENDPOINT: "http://127.0.0.1:9",
      MERIDIAN_HOME: newHome(),
    });

    // Assess
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      "DynamoDB at http://127.0.0.1:9 (DYNAMODB_ENDPOINT) does not answer (ECONNREFUSED)",
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("stops at once with install instructions when Java is missing", async () => {
    const bin = newHome();
    symlinkSync(process.execPath, join(bin, "node"));
    const started = Date.now();
    const child = spawn(join(bin, "node"), ["--import", "tsx", START, "--in-memory", "--port", "0"], {
      env: { ...process.env, ...QUIET, PATH: bin, MERIDIAN_HOME: newHome(), DYNAMODB_ENDPOINT: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));

    const code = await new Promise((resolve) => child.once("exit", resolve));

    expect(code).toBe(1);
    expect(output).toContain("Java 17 or newer is needed");
    expect(output).toContain("apt-get install");
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
