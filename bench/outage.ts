/**
 * What an outage of DynamoDB looks like from a client of the sandbox, under load:
 *
 * 1. stall: the engine frozen with SIGSTOP while 10 clients send `POST /epoch`: the time from the freeze to
 *    the first 503, the longest any request waited, and the time from the thaw (SIGCONT) to the next 201;
 * 2. death: the engine killed with SIGKILL: the time until the supervisor has it answering again
 *    (`GET /health/ready` 200), and whether every 201 answered before and after is readable.
 *
 *   npx tsx bench/outage.ts [-- --rounds 5 --clients 10]
 *
 * The sandbox runs as `npm start` does, in its own process with its own DynamoDB Local on a temporary data
 * directory; this process is the load generator.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { BUDGETS } from "@meridian/core";
import { machineLines, table, writeResultsBlock } from "./lib/report.ts";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    clients: { type: "string", default: "10" },
  },
});
const rounds = Number(values.rounds);
const clients = Number(values.clients);
const home = mkdtempSync(join(tmpdir(), "meridian-outage-"));
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

interface Running {
  child: ChildProcess;
  url: string;
  key: string;
}

async function startSandbox(): Promise<Running> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", here("../packages/sandbox/src/cli/start.ts"), "--port", "0"],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, MERIDIAN_HOME: home, MERIDIAN_METRICS_PERIOD_SECONDS: "0", LOG_LEVEL: "ERROR" },
    },
  );
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk;
    if (out.length > 1_000_000) out = out.slice(-100_000);
  });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`sandbox exited: ${out}`);
    const url = out.match(/API\s+(http:\/\/127\.0\.0\.1:\d+)/)?.[1];
    const key = out.match(/API key\s+(\S+)/)?.[1];
    if (
      url &&
      key &&
      (await fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      return { child, url, key };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The DynamoDB Local JVM under the sandbox process: the one descendant running java. */
function enginePid(sandboxPid: number): number {
  const descendants = (pid: number): number[] => {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return children.flatMap((c) => [c, ...descendants(c)]);
  };
  const java = descendants(sandboxPid).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0]?.endsWith("java");
    } catch {
      return false;
    }
  });
  if (!java) throw new Error("no DynamoDB Local process under the sandbox");
  return java;
}

interface Reply {
  status: number;
  sentAt: number;
  at: number;
  id?: string;
}

/** `clients` loops of POST /epoch until `stop()`; every reply is kept with its send and answer times. */
function load(sandbox: Running) {
  const replies: Reply[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const sentAt = performance.now();
      try {
        const res = await fetch(`${sandbox.url}/epoch`, {
          method: "POST",
          headers: { "x-api-key": sandbox.key },
        });
        const body = (await res.json()) as { id?: string };
        replies.push({ status: res.status, sentAt, at: performance.now(), id: body.id });
      } catch {
        replies.push({ status: 0, sentAt, at: performance.now() });
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  const loops = Array.from({ length: clients }, loop);
  return {
    replies,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
};
const ms = (x: number) => Math.round(x);

let sandbox: Running | undefined;
try {
  sandbox = await startSandbox();
  const traffic = load(sandbox);
  await sleep(3_000); // warm: JIT, pools, the API-key cache

  const stalls: {
    firstUnavailableMs: number;
    longestWaitMs: number;
    recoveredMs: number;
    unavailable: number;
  }[] = [];
  for (let round = 1; round <= rounds; round++) {
    const pid = enginePid(sandbox.child.pid ?? 0);
    const frozenAt = performance.now();
    process.kill(pid, "SIGSTOP");
    await sleep(6_000);
    const thawedAt = performance.now();
    process.kill(pid, "SIGCONT");
    await sleep(3_000);
    const during = traffic.replies.filter((r) => r.at > frozenAt && r.sentAt < thawedAt);
    const first503 = during.find((r) => r.status === 503);
    const recovered = traffic.replies.find((r) => r.sentAt > thawedAt && r.status === 201);
    stalls.push({
      firstUnavailableMs: ms((first503?.at ?? Number.NaN) - frozenAt),
      longestWaitMs: ms(Math.max(...during.map((r) => r.at - Math.max(r.sentAt, frozenAt)))),
      recoveredMs: ms((recovered?.at ?? Number.NaN) - thawedAt),
      unavailable: during.filter((r) => r.status === 503).length,
    });
    console.error(`stall ${round}:`, JSON.stringify(stalls.at(-1)));
  }

  const deaths: { readyAgainMs: number; notReadyAnswers: number }[] = [];
  for (let round = 1; round <= Math.min(3, rounds); round++) {
    const pid = enginePid(sandbox.child.pid ?? 0);
    const killedAt = performance.now();
    process.kill(pid, "SIGKILL");
    let notReady = 0;
    for (;;) {
      const ok = await fetch(`${sandbox.url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok && performance.now() - killedAt > 100) break;
      if (!ok) notReady++;
      await sleep(50);
    }
    deaths.push({ readyAgainMs: ms(performance.now() - killedAt), notReadyAnswers: notReady });
    console.error(`death ${round}:`, JSON.stringify(deaths.at(-1)));
    await sleep(3_000);
  }
  await traffic.stop();

  // Every acknowledged write survived the freezes and the kills.
  const acknowledged = traffic.replies.filter((r) => r.status === 201 && r.id);
  let missing = 0;
  for (const { id } of acknowledged) {
    const res = await fetch(`${sandbox.url}/epochs/${id}`, { headers: { "x-api-key": sandbox.key } });
    if (res.status !== 200) missing++;
  }

  const stallMedian = {
    firstUnavailableMs: median(stalls.map((s) => s.firstUnavailableMs)),
    longestWaitMs: median(stalls.map((s) => s.longestWaitMs)),
    recoveredMs: median(stalls.map((s) => s.recoveredMs)),
  };
  const range = (xs: number[]) => `${Math.min(...xs)}–${Math.max(...xs)}`;
  writeResultsBlock("outage", [
    ...machineLines(`npx tsx bench/outage.ts --rounds ${rounds} --clients ${clients}`),
    "",
    ...table(
      ["figure", "median", "range", "bound"],
      [
        [
          "engine frozen (SIGSTOP) → first 503",
          `${stallMedian.firstUnavailableMs} ms`,
          `${range(stalls.map((s) => s.firstUnavailableMs))} ms`,
          `${BUDGETS.http.call.totalMs} ms (one call's budget)`,
        ],
        [
          "longest wait of any request while frozen",
          `${stallMedian.longestWaitMs} ms`,
          `${range(stalls.map((s) => s.longestWaitMs))} ms`,
          `${BUDGETS.http.requestMs} ms (the request deadline)`,
        ],
        [
          "engine thawed (SIGCONT) → next 201",
          `${stallMedian.recoveredMs} ms`,
          `${range(stalls.map((s) => s.recoveredMs))} ms`,
          "—",
        ],
        [
          "engine killed (SIGKILL) → `/health/ready` 200 again",
          `${median(deaths.map((d) => d.readyAgainMs))} ms`,
          `${range(deaths.map((d) => d.readyAgainMs))} ms`,
          "—",
        ],
        [
          "201s answered during the run / not readable afterwards",
          `${acknowledged.length} / ${missing}`,
          "",
          "0 missing",
        ],
      ],
    ),
  ]);
  console.log(
    JSON.stringify(
      {
        settings: { rounds, clients, freezeSeconds: 6 },
        stall: {
          rounds: stalls,
          median: stallMedian,
          worstLongestWaitMs: Math.max(...stalls.map((s) => s.longestWaitMs)),
        },
        death: { rounds: deaths, median: { readyAgainMs: median(deaths.map((d) => d.readyAgainMs)) } },
        acknowledged: acknowledged.length,
        acknowledgedButMissing: missing,
      },
      null,
      2,
    ),
  );
} finally {
  if (sandbox?.child.exitCode === null) {
    sandbox.child.kill("SIGTERM");
    await new Promise((resolve) => sandbox?.child.once("exit", resolve));
  }
  rmSync(home, { recursive: true, force: true });
}
