import type { AppLogger } from "@meridian/api";

/** One short readable line per request for a developer's terminal. */
export function prettyLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): AppLogger {
  return {
    request: (e) => {
      const time = new Date().toISOString().slice(11, 23);
      write(`${time} ${e.method.padEnd(6)} ${e.path} ${e.status} ${e.latencyMs}ms req=${e.requestId}`);
    },
    error: (message, { requestId, error }) => {
      write(`${new Date().toISOString().slice(11, 23)} ERROR ${message} req=${requestId ?? "-"}`);
      write(error instanceof Error ? (error.stack ?? error.message) : String(error));
    },
  };
}
