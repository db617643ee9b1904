import { randomUUID } from "node:crypto";
import { maxHeaderSize, type ServerResponse, STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { errorBody, HeadersTooLargeError, MalformedRequestError } from "@meridian/api";
import type { AppError, Logger } from "@meridian/core";

/** What Node hands a `clientError` listener: the parser's error, with llhttp's reason when it has one. */
type ClientError = Error & { code?: string; reason?: unknown };

/** The part of a Node HTTP server this needs (`serve()` of @hono/node-server returns one). */
export interface ClientErrorSource {
  on(event: "clientError", listener: (error: ClientError, socket: Duplex) => void): unknown;
}

/** The peer is gone or too slow: nothing to answer, the connection is dropped (Node does the same). */
const NOTHING_TO_ANSWER = new Set(["ECONNRESET", "EPIPE", "ERR_HTTP_REQUEST_TIMEOUT"]);

/** How long an answered connection may stay open for the client to read the reply and close. */
const CLOSE_GRACE_MS = 2_000;

function refusalOf(error: ClientError): AppError {
  if (error.code === "HPE_HEADER_OVERFLOW") return new HeadersTooLargeError(maxHeaderSize);
  return new MalformedRequestError(typeof error.reason === "string" ? error.reason : undefined);
}

/** A complete HTTP/1.1 response: status line, headers, the JSON error body. */
function responseBytes(refusal: AppError, requestId: string): string {
  const body = JSON.stringify(errorBody(requestId, refusal));
  return [
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? "Bad Request"}`,
    "content-type: application/json",
    `content-length: ${Buffer.byteLength(body)}`,
    `x-request-id: ${requestId}`,
    `date: ${new Date().toUTCString()}`,
    "connection: close",
    "",
    body,
  ].join("\r\n");
}

/**
 * Answers what Node's HTTP parser refuses before the app runs with the same JSON error body and request id
 * as every other error: headers over Node's limit get `431 HEADERS_TOO_LARGE`, any other parse error (a
 * garbage request line, a malformed header) `400 MALFORMED_REQUEST`, each with `x-request-id` (a new
 * UUID; the request's own headers cannot be trusted) and `connection: close`. Without this Node writes a
 * bare `431` or `400` with no body and no id.
 *
 * A reply is written only when the socket is writable and no response on it has started sending (a
 * pipelined request's response half-written must not be corrupted); otherwise, and for resets and request
 * timeouts, the connection is just closed, as Node does by default.
 *
 * @example
 * const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
 * answerClientErrors(server, logger);
 */
export function answerClientErrors(server: ClientErrorSource, logger?: Logger): void {
  // A parser that failed keeps failing on the rest of the bytes; each connection is answered once.
  const answered = new WeakSet<Duplex>();
  server.on("clientError", (error, socket) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    // Node's own rule for its default reply (see `clientError` in the http docs): never write into a
    // response whose headers are already on the wire.
    const inFlight = (socket as Duplex & { _httpMessage?: ServerResponse | null })._httpMessage;
    if (NOTHING_TO_ANSWER.has(error.code ?? "") || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const refusal = refusalOf(error);
    const requestId = randomUUID();
    logger?.info("request refused by the HTTP parser", {
      requestId,
      status: refusal.status,
      code: refusal.code,
      parserError: error.code,
    });
    // Ending (not destroying) lets the reply reach the client even while the rest of its request is still
    // arriving; a destroy with unread bytes would reset the connection and could lose the reply.
    socket.end(responseBytes(refusal, requestId));
    (socket as Socket).setTimeout?.(CLOSE_GRACE_MS, () => socket.destroy());
  });
}
