import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { BUDGETS, ConfigError, createLogger, type LogEntry } from "@meridian/core";
import { type AdminGateDeps, gateAdminGroup, loadPreTokenConfig } from "@meridian/functions";
import type { PreTokenGenerationV2TriggerEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createPreTokenHandler } from "../src/pre-token/trigger.ts";

const POOL_ID = "eu-west-1_Tr1gg3r";
const SUB = "4f1c2b9e-7d3a-4c55-9e0b-51a6f2d8c3e7";
const EMAIL = "ada@example.com";

/**
 * A V2_0 pre token generation event as Cognito sends it: the shape of AWS's published sample (version "2",
 * the user's attributes with `sub` and `cognito:user_status`, the group configuration with a null preferred
 * role, the scopes, and a response whose `claimsAndScopeOverrideDetails` is null until the function fills
 * it). JSON, so the nulls the TypeScript types leave out are really there.
 */
function sampleEvent(groups: string[], triggerSource = "TokenGeneration_Authentication") {
  return JSON.parse(`{
    "version": "2",
    "triggerSource": "${triggerSource}",
    "region": "eu-west-1",
    "userPoolId": "${POOL_ID}",
    "userName": "${SUB}",
    "callerContext": { "awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "5example0client0id" },
    "request": {
      "userAttributes": {
        "sub": "${SUB}",
        "cognito:email_alias": "${EMAIL}",
        "cognito:user_status": "CONFIRMED",
        "email_verified": "true",
        "email": "${EMAIL}"
      },
      "groupConfiguration": {
        "groupsToOverride": ${JSON.stringify(groups)},
        "iamRolesToOverride": [],
        "preferredRole": null
      },
      "scopes": ["aws.cognito.signin.user.admin"]
    },
    "response": { "claimsAndScopeOverrideDetails": null }
  }`) as PreTokenGenerationV2TriggerEvent;
}

/** The groups the issued tokens will carry: the override when the function set one, else the user's own. */
function tokenGroups(event: PreTokenGenerationV2TriggerEvent): string[] | undefined {
  return (
    event.response.claimsAndScopeOverrideDetails?.groupOverrideDetails?.groupsToOverride ??
    event.request.groupConfiguration.groupsToOverride
  );
}

function capturingLogger() {
  const entries: LogEntry[] = [];
  return { entries, logger: createLogger({ service: "pre-token", sink: (entry) => entries.push(entry) }) };
}

describe("the admin gate (the trigger's decision, with an injected lookup)", () => {
  function gate(hasTotp: AdminGateDeps["hasTotp"], lookupMs = 1_000) {
    const { entries, logger } = capturingLogger();
    const calls: Array<[string, string]> = [];
    const deps: AdminGateDeps = {
      hasTotp: (pool, user) => {
        calls.push([pool, user]);
        return hasTotp(pool, user);
      },
      adminGroup: "admin",
      logger,
      lookupMs,
    };
    return { deps, entries, calls };
  }

  it("keeps the admin group of a member with TOTP enabled, and changes nothing else", async () => {
    // Prepare
    const { deps, entries, calls } = gate(async () => true);
    const event = sampleEvent(["admin", "beta"]);

    // Act
    const result = await gateAdminGroup(deps, event);

    // Assess
    expect(calls).toEqual([[POOL_ID, SUB]]);
    expect(result).toEqual(sampleEvent(["admin", "beta"]));
    expect(tokenGroups(result)).toEqual(["admin", "beta"]);
    expect(entries).toEqual([]);
  });

  it("removes the admin group of a member without TOTP, keeps the other groups, and warns naming the sub only", async () => {
    // Prepare
    const { deps, entries } = gate(async () => false);

    // Act
    const result = await gateAdminGroup(deps, sampleEvent(["beta", "admin"]));

    // Assess
    expect(result.response.claimsAndScopeOverrideDetails).toEqual({
      groupOverrideDetails: { groupsToOverride: ["beta"], iamRolesToOverride: [] },
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ level: "WARN", sub: SUB, reason: "no-totp" });
    expect(JSON.stringify(entries)).not.toContain(EMAIL);
  });

  it("fails closed: a lookup that throws, or does not answer in time, costs the admin group", async () => {
    // Prepare
    const throwing = gate(async () => {
      throw new Error("ResourceNotFoundException: User pool does not exist");
    });
    const stalled = gate(() => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 2_000)), 50);

    // Act
    const started = Date.now();
    const [thrown, timedOut] = await Promise.all([
      gateAdminGroup(throwing.deps, sampleEvent(["admin"])),
      gateAdminGroup(stalled.deps, sampleEvent(["admin"])),
    ]);

    // Assess
    expect(tokenGroups(thrown)).toEqual([]);
    expect(tokenGroups(timedOut)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(throwing.entries[0]).toMatchObject({
      level: "WARN",
      sub: SUB,
      reason: "lookup-failed",
      error: { message: "ResourceNotFoundException: User pool does not exist" },
    });
    expect(stalled.entries[0]).toMatchObject({
      reason: "lookup-failed",
      error: { name: "LookupTimeoutError" },
    });
  });

  it("leaves a customer's event untouched and never looks them up", async () => {
    // Prepare
    const { deps, entries, calls } = gate(async () => {
      throw new Error("must not be called");
    });

    // Act
    const none = await gateAdminGroup(deps, sampleEvent([]));
    const others = await gateAdminGroup(deps, sampleEvent(["beta", "administrators"]));

    // Assess
    expect(none).toEqual(sampleEvent([]));
    expect(others).toEqual(sampleEvent(["beta", "administrators"]));
    expect(calls).toEqual([]);
    expect(entries).toEqual([]);
  });
});

/** What the stand-in for Cognito's API saw of one request. */
interface SeenRequest {
  target: string | undefined;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

type Answer = { status: number; headers?: Record<string, string>; body: unknown };

/**
 * A real HTTP server on 127.0.0.1 answering as Cognito's API does (AWS JSON 1.1): the SDK's own client sends
 * to it through `endpoint`, so serialization, signing, retries and error parsing all run as in AWS.
 */
class FakeCognito {
  readonly seen: SeenRequest[] = [];
  answer: (body: { UserPoolId?: string; Username?: string }) => Answer = () => ({ status: 500, body: {} });
  #server: Server = createServer((req, res) => void this.#handle(req, res));

  async start(): Promise<string> {
    this.#server.listen(0, "127.0.0.1");
    await once(this.#server, "listening");
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    this.seen.push({
      target: req.headers["x-amz-target"] as string | undefined,
      contentType: req.headers["content-type"],
      authorization: req.headers.authorization,
      body,
    });
    const answer = this.answer(body);
    res.writeHead(answer.status, { "content-type": "application/x-amz-json-1.1", ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }
}

/** AdminGetUser's answer for our user, with these MFA settings. */
function adminGetUser(mfa: string[] | undefined): Answer {
  return {
    status: 200,
    body: {
      Username: SUB,
      UserAttributes: [
        { Name: "sub", Value: SUB },
        { Name: "email", Value: EMAIL },
      ],
      Enabled: true,
      UserStatus: "CONFIRMED",
      ...(mfa ? { UserMFASettingList: mfa, PreferredMfaSetting: mfa[0] } : {}),
    },
  };
}

function cognitoError(status: number, type: string, message: string): Answer {
  return { status, headers: { "x-amzn-errortype": type }, body: { __type: type, message } };
}

describe("the pre token generation handler, with the AWS SDK against a local Cognito API", () => {
  const cognito = new FakeCognito();
  let handler: ReturnType<typeof createPreTokenHandler>;
  let log: ReturnType<typeof capturingLogger>;

  beforeAll(async () => {
    const endpoint = await cognito.start();
    log = capturingLogger();
    handler = createPreTokenHandler(
      { ...loadPreTokenConfig({ COGNITO_ENDPOINT: endpoint, AWS_REGION: "eu-west-1" }) },
      { logger: log.logger },
    );
  });
  afterAll(() => cognito.stop());
  beforeEach(() => {
    cognito.seen.length = 0;
    log.entries.length = 0;
  });

  it("asks AdminGetUser about the event's pool and user, signed, and keeps the admin group when TOTP is enabled", async () => {
    // Prepare
    cognito.answer = () => adminGetUser(["SOFTWARE_TOKEN_MFA"]);

    // Act
    const result = await handler(sampleEvent(["admin"]));

    // Assess
    expect(cognito.seen).toHaveLength(1);
    expect(cognito.seen[0]).toMatchObject({
      target: "AWSCognitoIdentityProviderService.AdminGetUser",
      contentType: "application/x-amz-json-1.1",
      body: { UserPoolId: POOL_ID, Username: SUB },
    });
    expect(cognito.seen[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=local\/\d{8}\/eu-west-1\/cognito-idp\//,
    );
    expect(tokenGroups(result)).toEqual(["admin"]);
    expect(result.response.claimsAndScopeOverrideDetails).toBeNull();
    expect(log.entries).toEqual([]);
  });

  it("removes the admin group when the user has no MFA, or only SMS", async () => {
    // Act
    cognito.answer = () => adminGetUser(undefined);
    const none = await handler(sampleEvent(["admin"], "TokenGeneration_RefreshTokens"));
    cognito.answer = () => adminGetUser(["SMS_MFA"]);
    const sms = await handler(sampleEvent(["admin"]));

    // Assess
    expect(tokenGroups(none)).toEqual([]);
    expect(tokenGroups(sms)).toEqual([]);
    expect(log.entries.map((e) => [e.level, e.sub, e.reason, e.triggerSource])).toEqual([
      ["WARN", SUB, "no-totp", "TokenGeneration_RefreshTokens"],
      ["WARN", SUB, "no-totp", "TokenGeneration_Authentication"],
    ]);
  });

  it("fails closed on Cognito's errors: a refused call once, a server error after the budget's attempts", async () => {
    // Act
    cognito.answer = () => cognitoError(400, "UserNotFoundException", "User does not exist.");
    const notFound = await handler(sampleEvent(["admin"]));
    const refusedCalls = cognito.seen.length;
    cognito.answer = () => cognitoError(500, "InternalErrorException", "Internal error");
    const failing = await handler(sampleEvent(["admin"]));

    // Assess
    expect(tokenGroups(notFound)).toEqual([]);
    expect(tokenGroups(failing)).toEqual([]);
    expect(refusedCalls).toBe(1);
    expect(cognito.seen.length - refusedCalls).toBe(BUDGETS.preToken.call.maxAttempts);
    expect(log.entries.map((e) => [e.reason, (e.error as { name?: string } | undefined)?.name])).toEqual([
      ["lookup-failed", "UserNotFoundException"],
      ["lookup-failed", "InternalErrorException"],
    ]);
    expect(JSON.stringify(log.entries)).not.toContain(EMAIL);
  });

  it("never calls Cognito for a user outside the admin group", async () => {
    // Act
    const result = await handler(sampleEvent(["beta"]));

    // Assess
    expect(result).toEqual(sampleEvent(["beta"]));
    expect(cognito.seen).toEqual([]);
  });
});

describe("loadPreTokenConfig", () => {
  it("defaults the admin group to `admin` and refuses an endpoint that is not a URL, naming the variable", () => {
    // Act
    const config = loadPreTokenConfig({});
    const refusal = (() => {
      try {
        loadPreTokenConfig({ COGNITO_ENDPOINT: "127.0.0.1:9229" });
      } catch (error) {
        return error;
      }
    })();

    // Assess
    expect(config).toEqual({
      logLevel: "INFO",
      region: undefined,
      tracingEnabled: false,
      adminGroup: "admin",
      cognitoEndpoint: undefined,
    });
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(String((refusal as Error).message)).toContain("COGNITO_ENDPOINT");
  });
});
