/**
 * The `fetch` jose uses to read the token issuer's key set, over `node:http(s)`. Node's own `fetch` is
 * undici, whose first use is a large part of a Lambda cold start (decision 0007): the HTTP function never loads
 * it, not even for a signed-in request. It does what jose asks of `fetch` for a JWKS (`remote.js`): one GET
 * with its headers, no redirect followed, aborted by its signal, then `status` and `json()`.
 */
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

/** A key set is a few KB; a body over this is refused rather than buffered. */
const MAX_BYTES = 1024 * 1024;

interface JwksRequestInit {
  headers?: { forEach(callback: (value: string, name: string) => void): void };
  signal?: AbortSignal;
}

export interface JwksResponse {
  status: number;
  json(): Promise<unknown>;
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BYTES) response.destroy(new Error(`key set response over ${MAX_BYTES} bytes`));
      else chunks.push(chunk);
    });
    response.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    response.on("error", reject);
  });
}

/** GETs `url` as jose's `fetch` would; rejects with the signal's reason (a `TimeoutError`) when it aborts. */
export function fetchJwks(url: string, init: JwksRequestInit = {}): Promise<JwksResponse> {
  const headers: Record<string, string> = {};
  init.headers?.forEach((value, name) => {
    headers[name] = value;
  });
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const fail = (error: unknown) => reject(init.signal?.aborted ? init.signal.reason : error);
    const request = send(target, { method: "GET", headers, signal: init.signal }, (response) => {
      readBody(response).then(
        (body) => resolve({ status: response.statusCode ?? 0, json: async () => JSON.parse(body) }),
        fail,
      );
    });
    request.on("error", fail);
    request.end();
  });
}
