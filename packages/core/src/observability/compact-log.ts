import type { LogEntry } from "./logger.ts";

const time = (entry: LogEntry) => entry.timestamp.slice(11, 23);

/**
 * One short readable line for a log entry, as a developer's terminal shows it: the sandbox's compact log
 * and `npm run logs -- --stage <s>` (CloudWatch Logs of a deployed stage) print the same lines.
 */
export function compactLogLine(entry: LogEntry): string {
  const { level, timestamp: _t, service: _s, function: _f, coldStart: _c, message, ...fields } = entry;
  if (message === "request") {
    return `${time(entry)} ${String(fields.method).padEnd(6)} ${fields.path} ${fields.status} ${fields.latencyMs}ms req=${fields.requestId}`;
  }
  if (message === "order processed") {
    return `${time(entry)} STREAM order ${fields.orderId} ${fields.outcome} lag=${fields.lagMs}ms req=${fields.correlationId ?? "-"}`;
  }
  const rest = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join(" ");
  return `${time(entry)} ${level.padEnd(6)} [${entry.service}] ${message}${rest ? ` ${rest}` : ""}`;
}
