import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { generateKeyPair, SignJWT } from "jose";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../src/dynamodb/index.ts";
import { appAgainst } from "./support.ts";

describe("when DynamoDB fails", () => {
  // SDK mocks only inject faults the real engine cannot produce on demand; restored after each test.
  let mock: ReturnType<typeof mockClient> | undefined;
  afterEach(() => mock?.restore());

  it("answers 503 with Retry-After and no internals when the database is unreachable", async () => {
    const { app, log } = appAgainst(`http://127.0.0.1:${await freePort()}`);

    const res = await app.request("/", { headers: { accept: "application/json" } });

    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.error.message).toBe("Service temporarily unavailable, retry later");
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|x-epochs|stack/i);
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
    expect((await app.request("/health/ready")).status).toBe(503);
    const failure = log.entries.find((entry) => entry.message === "request failed");
    expect(failure).toMatchObject({ level: "ERROR", requestId: body.error.requestId });
  });

  it("never acknowledges a write that DynamoDB throttled", async () => {
    mock = mockClient(DynamoDBClient);
    mock.on(PutItemCommand).rejects(
      new ProvisionedThroughputExceededException({
        message: "Rate exceeded for table x-epochs",
        $metadata: {},
      }),
    );
    const { app } = appAgainst("http://127.0.0.1:1");

    const res = await app.request("/", { headers: { accept: "application/json" } });

    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.text()).not.toContain("Rate exceeded");
    expect(mock.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it("answers 500 with a generic message for an unexpected failure", async () => {
    mock = mockClient(DynamoDBClient);
    mock.on(PutItemCommand).rejects(new Error("ResourceNotFoundException: table x-epochs missing"));
    const { app } = appAgainst("http://127.0.0.1:1");

    const res = await app.request("/", { headers: { accept: "application/json" } });

    expect(res.status).toBe(500);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error).toMatchObject({ code: "INTERNAL", message: "Internal server error" });
    expect(JSON.stringify(body)).not.toContain("x-epochs");
  });

  it("answers 503, not 401, while the token issuer's key set cannot be fetched", async () => {
    const issuerDown = createServer((_req, res) => res.writeHead(503).end("maintenance"));
    await new Promise<void>((resolve) => issuerDown.listen(0, "127.0.0.1", resolve));
    try {
      const issuer = `http://127.0.0.1:${(issuerDown.address() as AddressInfo).port}/issuer`;
      const { app } = appAgainst("http://127.0.0.1:1", { issuer });
      const { privateKey } = await generateKeyPair("RS256");
      const token = await new SignJWT({ token_use: "access", client_id: "test" })
        .setProtectedHeader({ alg: "RS256", kid: "k1" })
        .setIssuer(issuer)
        .setSubject("customer-1")
        .setExpirationTime("5m")
        .sign(privateKey);

      const res = await app.request("/orders", { headers: { authorization: `Bearer ${token}` } });

      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
    } finally {
      await new Promise((resolve) => issuerDown.close(resolve));
    }
  });
});
