/** One completed request, as the access log records it. */
export interface AccessLogEntry {
  requestId: string;
  method: string;
  path: string;
  /** The matched route pattern (`/epochs/:id`), low-cardinality. */
  route: string;
  status: number;
  latencyMs: number;
}

/** Where the app reports what happened. The sandbox prints readable lines; Lambda prints JSON. */
export interface AppLogger {
  request(entry: AccessLogEntry): void;
  error(message: string, fields: { requestId?: string; error: unknown }): void;
}

/** JSON lines on stdout/stderr: what CloudWatch Logs ingests. */
export const jsonLogger: AppLogger = {
  request: (entry) => console.log(JSON.stringify({ level: "INFO", message: "request", ...entry })),
  error: (message, { requestId, error }) =>
    console.error(
      JSON.stringify({
        level: "ERROR",
        message,
        requestId,
        error:
          error instanceof Error
            ? { name: error.name, message: error.message, stack: error.stack }
            : String(error),
      }),
    ),
};
