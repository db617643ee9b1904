import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../src/sandbox.ts";
import { startTestSandbox } from "./support.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface RawReply {
  statusLine: string;
  headers: Map<string, string>;
  body: string;
}

/** Sends bytes on a fresh TCP connection and reads everything the server writes until it closes. */
function sendRaw(port: number, bytes: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    socket.on("connect", () => socket.write(bytes));
    socket.on("data", (chunk) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const [head = "", body = ""] = text.split("\r\n\r\n", 2);
      const [statusLine = "", ...lines] = head.split("\r\n");
      const headers = new Map(
        lines.map((line) => {
          const colon = line.indexOf(":");
          return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()] as const;
        }),
      );
      resolve({ statusLine, headers, body });
    });
  });
}

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox({ streams: false });
});
afterAll(() => sandbox.stop());

describe("Oversized headers and a malformed request line get JSON errors with a request id", () => {
  it("answers 20 KB of headers with 431 HEADERS_TOO_LARGE, a JSON body and x-request-id", async () => {
    // Prepare: over Node's 16 KiB limit, as a client with a huge cookie would send.
    const request = `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: big=${"a".repeat(20 * 1024)}\r\n\r\n`;

    // Act
    const reply = await sendRaw(sandbox.port, request);

    // Assess
    expect(reply.statusLine).toBe("HTTP/1.1 431 Request Header Fields Too Large");
    expect(reply.headers.get("content-type")).toBe("application/json");
    expect(reply.headers.get("connection")).toBe("close");
    expect(Number(reply.headers.get("content-length"))).toBe(Buffer.byteLength(reply.body));
    const requestId = reply.headers.get("x-request-id");
    expect(requestId).toMatch(UUID);
    expect(JSON.parse(reply.body)).toEqual({
      error: { code: "HEADERS_TOO_LARGE", message: expect.stringContaining("16384 bytes"), requestId },
    });
  });

  it("answers a garbage request line with 400 MALFORMED_REQUEST, a JSON body and x-request-id", async () => {
    // Act
    const reply = await sendRaw(sandbox.port, "THIS IS NOT HTTP\r\n\r\n");

    // Assess
    expect(reply.statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(reply.headers.get("content-type")).toBe("application/json");
    expect(reply.headers.get("connection")).toBe("close");
    const requestId = reply.headers.get("x-request-id");
    expect(requestId).toMatch(UUID);
    const { error } = JSON.parse(reply.body) as {
      error: { code: string; message: string; requestId: string };
    };
    expect(error).toEqual({ code: "MALFORMED_REQUEST", message: expect.any(String), requestId });
    expect(error.message).toMatch(/^Malformed HTTP request/);
  });

  it("gives each refusal its own request id and keeps serving well-formed requests", async () => {
    // Act
    const [first, second] = await Promise.all([
      sendRaw(sandbox.port, "\u0000\u0001garbage\r\n\r\n"),
      sendRaw(sandbox.port, "GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n"),
    ]);
    const health = await fetch(`${sandbox.url}/health`);

    // Assess
    expect(first?.statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(second?.statusLine).toBe("HTTP/1.1 400 Bad Request");
    expect(first?.headers.get("x-request-id")).not.toBe(second?.headers.get("x-request-id"));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
  });
});
