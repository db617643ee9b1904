import type { EmfDocument } from "./emf.ts";

/**
 * Structured logs: one JSON object per event with level, timestamp, service, function, cold start and
 * the caller's fields. Values that look like credentials (API keys, JWTs, bearer tokens) and fields
 * named like secrets are replaced before anything is written, so even an error that quotes a request
 * cannot leak one.
 */
export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR";

const RANK: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40 };

export interface LogEntry {
  level: LogLevel;
  timestamp: string;
  service: string;
  function: string;
  coldStart: boolean;
  message: string;
  [field: string]: unknown;
}

export type LogSink = (entry: LogEntry) => void;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /**
   * Writes an INFO entry that is also an EMF document (from `emfDocument`): its fields scrubbed like any
   * entry's, its dimensions and metric values kept under their names, its `_aws` metadata as is. Written
   * whatever the level: metrics must not vanish because a stage logs only warnings.
   */
  metrics(message: string, document: EmfDocument): void;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where entries go; default one JSON line on stdout (what CloudWatch Logs ingests). */
  sink?: LogSink;
  /** `AWS_LAMBDA_FUNCTION_NAME` in Lambda; `local` otherwise. */
  functionName?: string;
}

const SECRET_FIELD = /pass(word)?|secret|token|authorization|api[-_]?key|cookie|credential/i;
const SECRET_VALUE = [
  /mrd_[A-Za-z0-9_-]{16,}/g, // Meridian API keys
  /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, // JWTs
  /Bearer\s+[\w.~+/=-]+/gi,
];
/** Cheap first test: a string that matches none of these holds none of SECRET_VALUE. */
const MAYBE_SECRET = /mrd_|eyJ|bearer/i;
export const REDACTED = "[REDACTED]";

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === "string")
    return MAYBE_SECRET.test(value)
      ? SECRET_VALUE.reduce((s, pattern) => s.replace(pattern, REDACTED), value)
      : value;
  if (value instanceof Error) {
    return { name: value.name, message: scrub(value.message), stack: scrub(value.stack) };
  }
  if (depth > 5 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  return scrubFields(value as Record<string, unknown>, {}, depth);
}

/**
 * Copies `fields` into `into`, scrubbed (plain loop: this runs for every log entry). Keys in `ours` are
 * names the code chose (metric and dimension names): their values are scrubbed, but the name alone does not
 * redact them. `skip` is left out.
 */
function scrubFields(
  fields: Record<string, unknown>,
  into: Record<string, unknown>,
  depth: number,
  ours?: ReadonlySet<string>,
  skip?: string,
) {
  for (const key in fields) {
    if (key === skip || !Object.hasOwn(fields, key)) continue;
    const inner = fields[key];
    into[key] = !ours?.has(key) && SECRET_FIELD.test(key) ? REDACTED : scrub(inner, depth + 1);
  }
  return into;
}

let coldStart = true;

/** The first call in a process returns true (a cold start), every later call false. */
export function takeColdStart(): boolean {
  const was = coldStart;
  coldStart = false;
  return was;
}

export const jsonSink: LogSink = (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`);

/**
 * @example
 * const logger = createLogger({ service: "http", level: "INFO" });
 * logger.info("request", { requestId, route: "/epochs/:id", status: 200, latencyMs: 3.1 });
 */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = RANK[options.level ?? "INFO"];
  const sink = options.sink ?? jsonSink;
  const fn = options.functionName ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? "local";
  const entryOf = (level: LogLevel, message: string, coldStart: unknown): LogEntry => ({
    level,
    timestamp: new Date().toISOString(),
    service: options.service,
    function: fn,
    coldStart: coldStart === true,
    message: scrub(message) as string,
  });
  const write = (level: LogLevel, message: string, fields: Record<string, unknown> = {}) => {
    if (RANK[level] < threshold) return;
    const entry = entryOf(level, message, fields.coldStart);
    scrubFields(fields, entry, 0);
    entry.coldStart = fields.coldStart === true;
    sink(entry);
  };
  const metrics = (message: string, document: EmfDocument) => {
    // Dimension and metric names are ours (`emfDocument`), so they are not redacted by name (a metric
    // called `TokensIssued` must survive); their values are still scrubbed, the other fields as usual.
    const named = new Set<string>();
    for (const directive of document._aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) for (const key of set) named.add(key);
      for (const metric of directive.Metrics) named.add(metric.Name);
    }
    const entry = entryOf("INFO", message, document.coldStart);
    scrubFields(document, entry, 0, named, "_aws");
    entry.coldStart = document.coldStart === true;
    entry._aws = document._aws;
    sink(entry);
  };
  return {
    debug: (message, fields) => write("DEBUG", message, fields),
    info: (message, fields) => write("INFO", message, fields),
    warn: (message, fields) => write("WARN", message, fields),
    error: (message, fields) => write("ERROR", message, fields),
    metrics,
  };
}
