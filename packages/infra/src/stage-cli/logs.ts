import { fileURLToPath } from "node:url";
import {
  CloudWatchLogsClient,
  type FilteredLogEvent,
  FilterLogEventsCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { compactLogLine, type LogEntry } from "@meridian/core";
import { describeAwsError, resolveTarget, type StageTarget } from "./aws-target.ts";
import { type Io, parseCommandLine, processIo, runCommand, UsageError } from "./cli-support.ts";
import { requireOutput, stackOutputs } from "./stack-outputs.ts";

export const LOGS_USAGE = `Usage: npm run logs -- --stage <name> [--region <r>] [--function <fn>] [--since 10m] [--follow] [--filter <pattern>]

Prints the CloudWatch Logs of a deployed stage's functions in the sandbox's compact format, oldest first.
  --function <fn>     http, order-stream, metrics-job or image-processor (repeatable; default: all four)
  --since <age>       how far back to start: 30s, 10m, 2h, 1d, or an ISO 8601 time (default 10m)
  --follow, -f        keep polling for new lines (every 2 s) until Ctrl-C
  --filter <pattern>  a CloudWatch Logs filter pattern, e.g. '{ $.level = "ERROR" }' or '"order processed"'
  --json              print each event's raw message instead of the compact line
The log groups come from the stateless stack's outputs (HttpLogGroup, ...). Lambda's START and END lines
are left out; REPORT lines are kept.`;

/** Each function the command knows, with the stateless stack's output naming its log group. */
export const FUNCTION_LOG_OUTPUTS = {
  http: "HttpLogGroup",
  "order-stream": "OrderStreamLogGroup",
  "metrics-job": "MetricsJobLogGroup",
  "image-processor": "ImageProcessorLogGroup",
} as const;
export type FunctionName = keyof typeof FUNCTION_LOG_OUTPUTS;

/** How often `--follow` polls, and how far back each poll looks again for events that arrived late. */
export const FOLLOW_INTERVAL_MS = 2000;
export const FOLLOW_OVERLAP_MS = 15_000;

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: an age (`10m`) before `now`, or an absolute ISO 8601 time; milliseconds since the epoch. */
export function parseSince(value: string, now: number): number {
  const age = /^(\d+)([smhd])$/.exec(value);
  if (age) return now - Number(age[1]) * (UNITS[age[2] as string] ?? 0);
  const at = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(at)) return at;
  throw new UsageError(
    `--since takes an age such as 30s, 10m, 2h or 1d, or an ISO 8601 time (got "${value}")`,
  );
}

function isLogEntry(value: unknown): value is LogEntry {
  const v = value as Partial<LogEntry> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.level === "string" &&
    typeof v.timestamp === "string" &&
    typeof v.message === "string"
  );
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);

/**
 * One event as the sandbox prints it: our JSON log entries through the same formatter (`compactLogLine`);
 * Lambda's own text lines (REPORT, a crash's stack) as `<time> LAMBDA [<function>] <text>`; START and END
 * lines, which say nothing REPORT does not, as null (left out).
 */
export function formatEvent(event: FilteredLogEvent, fn: FunctionName): string | null {
  const message = (event.message ?? "").trimEnd();
  if (message.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(message);
      if (isLogEntry(parsed)) return compactLogLine(parsed);
    } catch {
      // Not one of our entries: printed as text below.
    }
  }
  if (/^(START|END) RequestId:/.test(message)) return null;
  return `${time(event.timestamp ?? 0)} ${"LAMBDA".padEnd(6)} [${fn}] ${message.replace(/\t/g, " ")}`;
}

interface GroupEvent {
  fn: FunctionName;
  event: FilteredLogEvent;
}

/** Every event of `logGroupName` from `startTime` on (all pages), matching `filterPattern` when given. */
async function groupEvents(
  client: CloudWatchLogsClient,
  fn: FunctionName,
  logGroupName: string,
  startTime: number,
  filterPattern: string | undefined,
): Promise<GroupEvent[]> {
  const events: GroupEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new FilterLogEventsCommand({
        logGroupName,
        startTime,
        ...(filterPattern ? { filterPattern } : {}),
        ...(nextToken ? { nextToken } : {}),
      }),
    );
    for (const event of page.events ?? []) events.push({ fn, event });
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

export interface TailOptions {
  groups: ReadonlyArray<{ fn: FunctionName; logGroupName: string }>;
  startTime: number;
  filterPattern?: string;
  json?: boolean;
  follow?: boolean;
  /** Ends `--follow` (Ctrl-C ends the process anyway); tests stop it after a few polls. */
  signal?: AbortSignal;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Prints the groups' events interleaved by time. With `follow`, polls again every FOLLOW_INTERVAL_MS from
 * FOLLOW_OVERLAP_MS before the newest event seen, skipping event ids already printed: CloudWatch can make an
 * event visible a few seconds after a later one.
 */
export async function tailLogs(client: CloudWatchLogsClient, options: TailOptions, io: Io): Promise<void> {
  const sleep = options.sleep ?? ((ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const seen = new Map<string, number>();
  let from = options.startTime;
  let newest = options.startTime;
  for (;;) {
    const batches = await Promise.all(
      options.groups.map(({ fn, logGroupName }) =>
        groupEvents(client, fn, logGroupName, from, options.filterPattern),
      ),
    );
    const events = batches
      .flat()
      .filter(({ event }) => !event.eventId || !seen.has(event.eventId))
      .sort((a, b) => (a.event.timestamp ?? 0) - (b.event.timestamp ?? 0));
    for (const { fn, event } of events) {
      if (event.eventId) seen.set(event.eventId, event.timestamp ?? 0);
      newest = Math.max(newest, event.timestamp ?? 0);
      const line = options.json ? (event.message ?? "").trimEnd() : formatEvent(event, fn);
      if (line !== null) io.out(line);
    }
    if (!options.follow || options.signal?.aborted) return;
    from = Math.max(options.startTime, newest - FOLLOW_OVERLAP_MS);
    for (const [id, at] of seen) if (at < from) seen.delete(id);
    await sleep(FOLLOW_INTERVAL_MS);
    if (options.signal?.aborted) return;
  }
}

/** `npm run logs -- ...` with `argv` (what follows `--`). */
export async function logsMain(
  argv: string[],
  io: Io = processIo,
  now: () => number = Date.now,
  signal?: AbortSignal,
): Promise<number> {
  const { values } = parseCommandLine({
    args: argv,
    options: {
      stage: { type: "string" },
      region: { type: "string" },
      function: { type: "string", multiple: true },
      since: { type: "string", default: "10m" },
      follow: { type: "boolean", short: "f" },
      filter: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(LOGS_USAGE);
    return 0;
  }
  const known = Object.keys(FUNCTION_LOG_OUTPUTS) as FunctionName[];
  const wanted = (values.function ?? known) as string[];
  for (const fn of wanted) {
    if (!(known as string[]).includes(fn))
      throw new UsageError(`--function must be one of ${known.join(", ")} (got "${fn}")`);
  }
  const startTime = parseSince(values.since, now());
  const target: StageTarget = resolveTarget(values.stage, values.region);
  const outputs = await stackOutputs(target, "stateless");
  const groups = (wanted as FunctionName[]).map((fn) => ({
    fn,
    logGroupName: requireOutput(outputs, FUNCTION_LOG_OUTPUTS[fn], target, "stateless"),
  }));
  io.err(
    `Logs of ${groups.map((g) => g.logGroupName).join(", ")} in ${target.region}${values.follow ? " (Ctrl-C stops)" : ""}`,
  );
  const client = new CloudWatchLogsClient({ region: target.region });
  try {
    await tailLogs(
      client,
      {
        groups,
        startTime,
        ...(values.filter ? { filterPattern: values.filter } : {}),
        json: values.json ?? false,
        follow: values.follow ?? false,
        ...(signal ? { signal } : {}),
      },
      io,
    );
    return 0;
  } catch (error) {
    throw describeAwsError(error, `reading the logs of stage ${target.stage} in ${target.region}`);
  } finally {
    client.destroy();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  runCommand(() => logsMain(process.argv.slice(2)), LOGS_USAGE);
