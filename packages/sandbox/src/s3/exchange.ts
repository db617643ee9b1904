import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { S3Error } from "./errors.ts";
import { parseQuery } from "./sigv4.ts";

/** One request and its response, with what every S3 handler needs from the URL. */
export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  hostId: string;
  method: string;
  /** The path as sent, which SigV4 signs. */
  rawPath: string;
  query: [string, string][];
  params: Map<string, string>;
  /** Path-style addressing: `/<bucket>/<key>`; "" when absent. */
  bucket: string;
  key: string;
  /** `false` when the path does not percent-decode (S3: 400 InvalidURI). */
  validUri: boolean;
}

export function exchangeOf(req: IncomingMessage, res: ServerResponse): Exchange {
  const url = req.url ?? "/";
  const mark = url.indexOf("?");
  const rawPath = mark < 0 ? url : url.slice(0, mark);
  const query = parseQuery(mark < 0 ? "" : url.slice(mark + 1));
  const slash = rawPath.indexOf("/", 1);
  let validUri = true;
  const decode = (text: string) => {
    try {
      return decodeURIComponent(text);
    } catch {
      validUri = false;
      return "";
    }
  };
  const exchange: Exchange = {
    req,
    res,
    requestId: randomBytes(8).toString("hex").toUpperCase(),
    hostId: randomBytes(24).toString("base64"),
    method: req.method ?? "GET",
    rawPath,
    query,
    params: new Map(query),
    bucket: decode(slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash)),
    key: slash < 0 ? "" : decode(rawPath.slice(slash + 1)),
    validUri: true,
  };
  exchange.validUri = validUri;
  res.setHeader("x-amz-request-id", exchange.requestId);
  res.setHeader("x-amz-id-2", exchange.hostId);
  return exchange;
}

export function sendXml(
  exchange: Exchange,
  status: number,
  xml: string,
  headers: Record<string, string> = {},
) {
  const body = Buffer.from(xml, "utf8");
  exchange.res.writeHead(status, {
    ...headers,
    "content-type": "application/xml",
    "content-length": body.length,
  });
  exchange.res.end(exchange.method === "HEAD" ? undefined : body);
}

export function sendEmpty(exchange: Exchange, status: number, headers: Record<string, string | number> = {}) {
  exchange.res.writeHead(status, { ...headers, "content-length": 0 });
  exchange.res.end();
}

/**
 * Sends an S3 error (a HEAD gets the status alone, as from S3). A request whose body was not read to its
 * end is answered with `Connection: close` and its socket closed soon after: an upload refused halfway
 * (too large, a failed policy) is not read on to its end into nothing.
 */
export function sendError(exchange: Exchange, error: S3Error): void {
  const { req, res } = exchange;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const headers: Record<string, string> = {};
  if (!req.complete) {
    headers.connection = "close";
    res.once("finish", () => {
      req.resume();
      setTimeout(() => req.socket.destroy(), 2000).unref();
    });
  }
  if (exchange.method === "HEAD") sendEmpty(exchange, error.status, headers);
  else sendXml(exchange, error.status, error.toXml(exchange.requestId, exchange.hostId), headers);
}
