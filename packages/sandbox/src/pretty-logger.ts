import type { LogEntry, LogSink } from "@meridian/core";

const time = (entry: LogEntry) => entry.timestamp.slice(11, 23);

/** One short readable line per entry for a developer's terminal (`LOG_FORMAT=json` prints the raw JSON). */
export function prettySink(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): LogSink {
  return (entry) => {
    const { level, timestamp: _t, service: _s, function: _f, coldStart: _c, message, ...fields } = entry;
    if (message === "request") {
      write(
        `${time(entry)} ${String(fields.method).padEnd(6)} ${fields.path} ${fields.status} ${fields.latencyMs}ms req=${fields.requestId}`,
      );
      return;
    }
    if (message === "order processed") {
      write(
        `${time(entry)} STREAM order ${fields.orderId} ${fields.outcome} lag=${fields.lagMs}ms req=${fields.correlationId ?? "-"}`,
      );
      return;
    }
    const rest = Object.entries(fields)
      .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
      .join(" ");
    write(`${time(entry)} ${level.padEnd(6)} [${entry.service}] ${message}${rest ? ` ${rest}` : ""}`);
  };
}
