import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchJwks } from "../src/middleware/jwks-fetch.ts";

// A key-set server on loopback with one path per behaviour jose has to tell apart.
let server: Server;
let base = "";
let seen: IncomingHttpHeaders = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    seen = req.headers;
    if (req.url === "/jwks.json")
      res.writeHead(200, { "content-type": "application/json" }).end('{"keys":[]}');
    else if (req.url === "/moved") res.writeHead(302, { location: "/jwks.json" }).end();
    else if (req.url === "/not-json") res.writeHead(200).end("<html>maintenance</html>");
    else if (req.url === "/huge") res.writeHead(200).end("x".repeat(1024 * 1024 + 1));
    else if (req.url === "/slow") setTimeout(() => res.writeHead(200).end("{}"), 2_000);
    else res.writeHead(404).end("{}");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe("fetchJwks (jose's fetch for the key set)", () => {
  it("GETs the set with jose's headers and hands back its status and JSON", async () => {
    // Act
    const response = await fetchJwks(`${base}/jwks.json`, {
      headers: new Headers({ accept: "application/json", "user-agent": "jose/v6" }),
    });

    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ keys: [] });
    expect(seen).toMatchObject({ accept: "application/json", "user-agent": "jose/v6" });
  });

  it("follows no redirect and reports other statuses as they are", async () => {
    expect((await fetchJwks(`${base}/moved`)).status).toBe(302);
    expect((await fetchJwks(`${base}/missing`)).status).toBe(404);
  });

  it("rejects json() for a body that is not JSON", async () => {
    const response = await fetchJwks(`${base}/not-json`);

    await expect(response.json()).rejects.toThrow(SyntaxError);
  });

  it("refuses a body over 1 MiB instead of buffering it", async () => {
    await expect(fetchJwks(`${base}/huge`)).rejects.toThrow(/over 1048576 bytes/);
  });

  it("rejects with the signal's TimeoutError when it aborts (jose's timeout)", async () => {
    await expect(fetchJwks(`${base}/slow`, { signal: AbortSignal.timeout(100) })).rejects.toMatchObject({
      name: "TimeoutError",
    });
  });

  it("rejects when the issuer cannot be reached", async () => {
    await expect(fetchJwks("http://127.0.0.1:1/jwks.json")).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });
});
