import {
  type DynamoDbLocal,
  type DynamoDbLocalOptions,
  describeExit,
  type EngineExit,
  startDynamoDbLocal,
} from "./engine.ts";

export interface RestartPolicy {
  /** Wait before the first restart; doubled for each further crash within the window. Default 500 ms. */
  initialDelayMs: number;
  /** Longest wait between restarts. Default 8 s. */
  maxDelayMs: number;
  /** Give up when the engine exits more often than this within `windowMs`. Default 5. */
  maxRestarts: number;
  /** Default 60 s. */
  windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRestarts: 5,
  windowMs: 60_000,
};

/** The wait before restart number `attempt` (1-based) within the window: exponential, capped. */
export function restartDelayMs(attempt: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * The crashes that count against the limit after one at `now`: those within the window, this one included.
 * Returns them and whether the engine may be restarted once more.
 */
export function countCrash(
  earlier: readonly number[],
  now: number,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): { crashes: number[]; restart: boolean } {
  const crashes = [...earlier.filter((at) => now - at < policy.windowMs), now];
  return { crashes, restart: crashes.length <= policy.maxRestarts };
}

export type EngineState = "up" | "restarting" | "failed" | "stopped";

export interface EngineStatus {
  state: EngineState;
  endpoint: string;
  /** The running JVM's pid (while up). */
  pid?: number;
  loopbackOnly: boolean;
  /** Why the engine listens on every interface, when it does. */
  exposure?: string;
  /** Restarts since the sandbox started. */
  restarts: number;
  /** When the engine entered this state (ISO 8601). */
  since: string;
  /** How the engine last ended, e.g. "signal SIGKILL". */
  lastExit?: string;
  /** What the last event said (the reason, once it has given up). */
  message?: string;
}

/** One readable line per event, with the state it left the engine in. */
export interface EngineEvent {
  level: "INFO" | "WARN" | "ERROR";
  message: string;
  status: EngineStatus;
}

export interface SupervisorOptions extends Omit<DynamoDbLocalOptions, "port"> {
  policy?: Partial<RestartPolicy>;
  onEvent?: (event: EngineEvent) => void;
  /**
   * Runs after each restart, before the engine counts as up again (the sandbox re-creates what an
   * in-memory engine lost). If it throws, the attempt counts as another crash.
   */
  afterRestart?: () => Promise<void>;
}

export interface SupervisedDynamoDbLocal {
  /** Stays the same across restarts: the engine comes back on the same port. */
  readonly endpoint: string;
  status(): EngineStatus;
  /** Whether the engine answers and its set-up after a restart is done (cheap: for every request). */
  isUp(): boolean;
  /** Resolves once the engine is up (at once when it is; never once it has given up). */
  whenUp(): Promise<void>;
  /** How many times the engine has gone down so far. */
  outages(): number;
  /** Stops the engine and any restart in progress. */
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local and keeps it running: when it exits unexpectedly it is started again on the same
 * port and data directory after an exponential backoff, with one readable line per event (`onEvent`),
 * until it has exited more than `maxRestarts` times within `windowMs`; then it stays down, the state
 * says "failed" and the last event says why.
 */
export async function superviseDynamoDbLocal(
  options: SupervisorOptions = {},
): Promise<SupervisedDynamoDbLocal> {
  const policy = { ...DEFAULT_RESTART_POLICY, ...options.policy };
  const first = await startDynamoDbLocal({
    dbPath: options.dbPath,
    readyTimeoutMs: options.readyTimeoutMs,
    credentials: options.credentials,
  });
  const { endpoint, port } = first;
  const where = options.dbPath ? `on ${options.dbPath}` : "in memory: it starts empty";
  let current: DynamoDbLocal | undefined;
  let stopping = false;
  let crashes: number[] = [];
  let downSince: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  let outages = 0;
  const waiting: (() => void)[] = [];
  let status: EngineStatus = {
    state: "up",
    endpoint,
    pid: first.pid,
    loopbackOnly: first.loopbackOnly,
    ...(first.exposure ? { exposure: first.exposure } : {}),
    restarts: 0,
    since: new Date().toISOString(),
  };

  const emit = (level: EngineEvent["level"], message: string, change: Partial<EngineStatus>) => {
    status = { ...status, ...change, message, since: new Date().toISOString() };
    if (status.state !== "up") delete status.pid;
    if (status.state === "up") for (const resolve of waiting.splice(0)) resolve();
    try {
      options.onEvent?.({ level, message, status: { ...status } });
    } catch {
      // A logging hook must not stop the supervision.
    }
  };

  /** `what`: "exited (signal SIGKILL)", "did not start again (code 3: …)". */
  const crashed = (what: string, exit: string) => {
    if (stopping) return;
    const now = Date.now();
    if (downSince === undefined) outages++;
    downSince ??= now;
    const counted = countCrash(crashes, now, policy);
    crashes = counted.crashes;
    if (!counted.restart) {
      emit(
        "ERROR",
        `DynamoDB Local ${what}; it has failed ${crashes.length} times within ${policy.windowMs / 1000} s: ` +
          "not restarting it again. Requests answer 503 until the sandbox is restarted.",
        { state: "failed", lastExit: exit },
      );
      return;
    }
    const delay = restartDelayMs(crashes.length, policy);
    emit(
      "WARN",
      `DynamoDB Local ${what}; restarting in ${delay} ms (attempt ${crashes.length} of ${policy.maxRestarts})`,
      { state: "restarting", lastExit: exit },
    );
    timer = setTimeout(() => {
      restarting = restart().finally(() => {
        restarting = undefined;
      });
    }, delay);
  };

  const watch = (engine: DynamoDbLocal) => {
    current = engine;
    void engine.exited.then((exit) => {
      if (current !== engine || stopping) return;
      current = undefined;
      const how = describeExit(exit);
      crashed(`exited (${how})`, how);
    });
  };

  const restart = async () => {
    let engine: DynamoDbLocal;
    try {
      engine = await startDynamoDbLocal({
        dbPath: options.dbPath,
        port,
        readyTimeoutMs: options.readyTimeoutMs,
        credentials: options.credentials,
      });
    } catch (error) {
      const exit = (error as { exit?: EngineExit }).exit;
      const how = exit ? describeExit(exit) : firstLine(error);
      crashed(`did not start again (${how})`, how);
      return;
    }
    if (stopping) return engine.stop();
    watch(engine);
    try {
      await options.afterRestart?.();
    } catch (error) {
      if (current !== engine || stopping) return; // it crashed meanwhile: already counted
      current = undefined;
      await engine.stop();
      const how = `set-up failed: ${firstLine(error)}`;
      crashed(`started again, but ${how}`, how);
      return;
    }
    if (current !== engine || stopping) return;
    const downFor = ((Date.now() - (downSince ?? Date.now())) / 1000).toFixed(1);
    downSince = undefined;
    emit("INFO", `DynamoDB Local is back after ${downFor} s (pid ${engine.pid}, ${where})`, {
      state: "up",
      pid: engine.pid,
      restarts: status.restarts + 1,
    });
  };

  watch(first);
  return {
    endpoint,
    status: () => ({ ...status }),
    isUp: () => status.state === "up",
    whenUp: () =>
      status.state === "up" ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve)),
    outages: () => outages,
    stop: async () => {
      if (stopping) return;
      stopping = true;
      clearTimeout(timer);
      await restarting;
      const engine = current;
      current = undefined;
      await engine?.stop();
      status = { ...status, state: "stopped", since: new Date().toISOString() };
      delete status.pid;
    },
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
