import { randomBytes } from "node:crypto";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { StageCliError, UsageError } from "../src/stage-cli/cli-support.ts";
import { type Prompt, tokenStageMain } from "../src/stage-cli/token.ts";
import { temporaryPassword, userMain } from "../src/stage-cli/user.ts";
import { srpServer } from "./srp-server.ts";
import { captureIo, fakeAwsEnvironment, stackWithOutputs } from "./stage-cli-support.ts";

const POOL = "us-east-1_AbCdEfGhI";
const CLIENT = "4example5client6id7";
const SUB = "a1b2c3d4-0000-4000-8000-123456789abc";
/** The pool's password policy (stateful-stack.ts): 12+ characters, lower, upper, digit and symbol. */
const POLICY = /^(?=.*[a-z])(?=.*[A-Z])(?=.*\d)(?=.*[^A-Za-z0-9]).{12,}$/;

let cfn: ReturnType<typeof mockClient>;
let cognito: ReturnType<typeof mockClient>;
const inputs = (command: Parameters<typeof cognito.commandCalls>[0]) =>
  cognito.commandCalls(command).map((call) => call.args[0].input);

beforeEach(() => {
  fakeAwsEnvironment();
  cfn = stackWithOutputs("meridian-dev-stateful", { UserPoolId: POOL, WebClientId: CLIENT });
  cognito = mockClient(CognitoIdentityProviderClient);
  cognito.on(AdminCreateUserCommand).resolves({
    User: { Username: SUB, Attributes: [{ Name: "sub", Value: SUB }] },
  });
  cognito.on(AdminAddUserToGroupCommand).resolves({});
});
afterEach(() => {
  cfn.restore();
  cognito.restore();
  vi.unstubAllEnvs();
});

describe("npm run user -- create --stage <s>", () => {
  it("creates a customer with a verified email and a temporary password printed once, no mail sent", async () => {
    const io = captureIo();

    const code = await userMain(
      ["create", "--stage", "dev", "--role", "customer", "--email", "Alice@Example.com"],
      io,
    );

    expect(code).toBe(0);
    const [input] = inputs(AdminCreateUserCommand) as Array<{ TemporaryPassword: string }>;
    expect(input).toEqual({
      UserPoolId: POOL,
      Username: "alice@example.com",
      UserAttributes: [
        { Name: "email", Value: "alice@example.com" },
        { Name: "email_verified", Value: "true" },
      ],
      TemporaryPassword: expect.stringMatching(POLICY),
      MessageAction: "SUPPRESS",
    });
    expect(inputs(AdminAddUserToGroupCommand)).toEqual([]);
    expect(io.stdout).toEqual([
      `Created customer alice@example.com (sub ${SUB}) in ${POOL}, stage dev, us-east-1.`,
      `Temporary password, shown only this once: ${input?.TemporaryPassword}`,
      "Sign in: npm run -s token -- --stage dev --email alice@example.com  (the first sign-in sets a new password)",
    ]);
  });

  it("adds an admin to the admin group", async () => {
    const io = captureIo();
    await userMain(
      ["create", "--stage", "dev", "--role", "admin", "--email", "ops@example.com", "--json"],
      io,
    );

    expect(inputs(AdminAddUserToGroupCommand)).toEqual([
      { UserPoolId: POOL, Username: "ops@example.com", GroupName: "admin" },
    ]);
    const printed = JSON.parse(io.stdout.join(""));
    expect(printed).toEqual({
      email: "ops@example.com",
      sub: SUB,
      userPoolId: POOL,
      groups: ["admin"],
      temporaryPassword: (inputs(AdminCreateUserCommand)[0] as { TemporaryPassword: string })
        .TemporaryPassword,
    });
  });

  it("says when the email is taken, and refuses a missing role or email", async () => {
    const taken = new Error("User account already exists");
    taken.name = "UsernameExistsException";
    cognito.on(AdminCreateUserCommand).rejects(taken);
    await expect(
      userMain(["create", "--stage", "dev", "--role", "customer", "--email", "bob@example.com"], captureIo()),
    ).rejects.toThrow(new StageCliError(`A user with the email bob@example.com already exists in ${POOL}.`));

    await expect(
      userMain(["create", "--stage", "dev", "--email", "bob@example.com"], captureIo()),
    ).rejects.toThrow(new UsageError("--role must be admin or customer"));
    await expect(userMain(["create", "--stage", "dev", "--role", "admin"], captureIo())).rejects.toThrow(
      UsageError,
    );
  });

  it("makes temporary passwords the pool accepts, different each time", () => {
    const passwords = Array.from({ length: 200 }, () => temporaryPassword());
    for (const password of passwords) expect(password).toMatch(POLICY);
    expect(new Set(passwords).size).toBe(200);
  });
});

/** What Cognito answers USER_SRP_AUTH with: the PASSWORD_VERIFIER challenge and its SRP values. */
const verifierChallenge = {
  ChallengeName: "PASSWORD_VERIFIER" as const,
  Session: "session-1",
  ChallengeParameters: {
    USER_ID_FOR_SRP: SUB,
    SALT: randomBytes(16).toString("hex"),
    SRP_B: randomBytes(384).toString("hex"),
    SECRET_BLOCK: randomBytes(64).toString("base64"),
    USERNAME: SUB,
  },
};
const tokens = { AccessToken: "eyJ.access.token", IdToken: "eyJ.id", RefreshToken: "r", ExpiresIn: 3600 };

describe("npm run token -- --stage <s>", () => {
  it("proves the password with SRP: the signature is the one Cognito computes for the user's verifier", async () => {
    const server = srpServer(POOL, SUB, "Correct-horse-9");
    cognito.on(InitiateAuthCommand).resolves({
      ChallengeName: "PASSWORD_VERIFIER",
      Session: "session-1",
      ChallengeParameters: server.challenge,
    });
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: tokens });
    const signatureFor = (password: string) => async () => {
      cognito.resetHistory();
      vi.stubEnv("MERIDIAN_PASSWORD", password);
      await tokenStageMain(["--stage", "dev", "--email", "alice@example.com"], captureIo());
      const srpA = (inputs(InitiateAuthCommand)[0] as { AuthParameters: { SRP_A: string } }).AuthParameters
        .SRP_A;
      const { ChallengeResponses } = inputs(RespondToAuthChallengeCommand)[0] as {
        ChallengeResponses: { PASSWORD_CLAIM_SIGNATURE: string; TIMESTAMP: string };
      };
      return {
        sent: ChallengeResponses.PASSWORD_CLAIM_SIGNATURE,
        expected: server.expectedSignature(srpA, ChallengeResponses.TIMESTAMP),
      };
    };

    const right = await signatureFor("Correct-horse-9")();
    const wrong = await signatureFor("Correct-horse-8")();

    expect(right.sent).toBe(right.expected);
    expect(wrong.sent).not.toBe(wrong.expected);
  });

  it("signs in to the web client with SRP and prints only the access token", async () => {
    vi.stubEnv("MERIDIAN_PASSWORD", "Correct-horse-9");
    cognito.on(InitiateAuthCommand).resolves(verifierChallenge);
    cognito.on(RespondToAuthChallengeCommand).resolves({ AuthenticationResult: tokens });
    const io = captureIo();
    const prompt = vi.fn<Prompt>();

    const code = await tokenStageMain(["--stage", "dev", "--email", "alice@example.com"], io, prompt);

    expect(code).toBe(0);
    expect(io.stdout).toEqual(["eyJ.access.token"]);
    expect(prompt).not.toHaveBeenCalled();
    expect(inputs(InitiateAuthCommand)).toEqual([
      {
        ClientId: CLIENT,
        AuthFlow: "USER_SRP_AUTH",
        AuthParameters: {
          USERNAME: "alice@example.com",
          CHALLENGE_NAME: "SRP_A",
          SRP_A: expect.stringMatching(/^[0-9a-f]{700,}$/),
        },
      },
    ]);
    expect(inputs(RespondToAuthChallengeCommand)).toEqual([
      {
        ClientId: CLIENT,
        ChallengeName: "PASSWORD_VERIFIER",
        Session: "session-1",
        ChallengeResponses: {
          USERNAME: SUB,
          PASSWORD_CLAIM_SECRET_BLOCK: verifierChallenge.ChallengeParameters.SECRET_BLOCK,
          // Cognito's format: "Fri Dec 4 12:30:00 UTC 2026" (day of month without padding).
          TIMESTAMP: expect.stringMatching(
            /^[A-Z][a-z]{2} [A-Z][a-z]{2} \d{1,2} \d{2}:\d{2}:\d{2} UTC \d{4}$/,
          ),
          PASSWORD_CLAIM_SIGNATURE: expect.stringMatching(/^[A-Za-z0-9+/]{43}=$/),
          // cognito-srp-helper repeats the session's A here.
          SRP_A: (inputs(InitiateAuthCommand)[0] as { AuthParameters: { SRP_A: string } }).AuthParameters
            .SRP_A,
        },
      },
    ]);
    expect(cfn.calls().map((c) => c.args[0].input)).toEqual([{ StackName: "meridian-dev-stateful" }]);
  });

  it("asks for the password when MERIDIAN_PASSWORD is unset, sets the new one and answers the TOTP challenge", async () => {
    vi.stubEnv("MERIDIAN_PASSWORD", undefined);
    vi.stubEnv("MERIDIAN_NEW_PASSWORD", "Brand-new-pass-7");
    cognito.on(InitiateAuthCommand).resolves(verifierChallenge);
    cognito
      .on(RespondToAuthChallengeCommand)
      .resolvesOnce({ ChallengeName: "NEW_PASSWORD_REQUIRED", Session: "session-2", ChallengeParameters: {} })
      .resolvesOnce({ ChallengeName: "SOFTWARE_TOKEN_MFA", Session: "session-3", ChallengeParameters: {} })
      .resolves({ AuthenticationResult: tokens });
    const prompt = vi.fn<Prompt>(async () => "Temp-password-1");
    const io = captureIo();

    await tokenStageMain(
      ["--stage", "dev", "--email", "ops@example.com", "--mfa-code", "123456"],
      io,
      prompt,
    );

    expect(prompt.mock.calls).toEqual([["Password for ops@example.com: ", true]]);
    expect(inputs(RespondToAuthChallengeCommand).slice(1)).toEqual([
      {
        ClientId: CLIENT,
        ChallengeName: "NEW_PASSWORD_REQUIRED",
        ChallengeResponses: { USERNAME: SUB, NEW_PASSWORD: "Brand-new-pass-7" },
        Session: "session-2",
      },
      {
        ClientId: CLIENT,
        ChallengeName: "SOFTWARE_TOKEN_MFA",
        ChallengeResponses: { USERNAME: SUB, SOFTWARE_TOKEN_MFA_CODE: "123456" },
        Session: "session-3",
      },
    ]);
    expect(io.stdout).toEqual(["eyJ.access.token"]);
  });

  it("says a refused sign-in plainly, and refuses a challenge it cannot answer", async () => {
    vi.stubEnv("MERIDIAN_PASSWORD", "wrong");
    const refused = new Error("Incorrect username or password.");
    refused.name = "NotAuthorizedException";
    cognito.on(InitiateAuthCommand).resolves(verifierChallenge);
    cognito.on(RespondToAuthChallengeCommand).rejects(refused);
    await expect(tokenStageMain(["--stage", "dev", "--email", "a@example.com"], captureIo())).rejects.toThrow(
      new StageCliError("Sign-in refused for a@example.com: Incorrect username or password."),
    );

    cognito.on(RespondToAuthChallengeCommand).resolves({ ChallengeName: "MFA_SETUP", Session: "s" });
    await expect(tokenStageMain(["--stage", "dev", "--email", "a@example.com"], captureIo())).rejects.toThrow(
      new StageCliError("Cognito asked for MFA_SETUP, which this command does not answer."),
    );
    await expect(tokenStageMain(["--stage", "dev"], captureIo())).rejects.toThrow(
      new UsageError("--email <address> is required with --stage"),
    );
  });
});
