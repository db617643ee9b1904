import { compactLogLine, type LogSink } from "@meridian/core";

/** One short readable line per entry for a developer's terminal (`LOG_FORMAT=json` prints the raw JSON). */
export function prettySink(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): LogSink {
  return (entry) => write(compactLogLine(entry));
}
