import { createInterface } from "node:readline";
import {
  type AuthenticationResultType,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  RespondToAuthChallengeCommand,
  type RespondToAuthChallengeCommandOutput,
} from "@aws-sdk/client-cognito-identity-provider";
import { createSrpSession, signSrpSession, wrapAuthChallenge, wrapInitiateAuth } from "cognito-srp-helper";
import { describeAwsError, resolveTarget } from "./aws-target.ts";
import { type Io, parseCommandLine, processIo, StageCliError, UsageError } from "./cli-support.ts";
import { requireOutput, stackOutputs } from "./stack-outputs.ts";

export const TOKEN_STAGE_USAGE = `Usage: npm run -s token -- --stage <name> [--region <r>] --email <address> [--mfa-code <123456>]

Signs in to the stage's user pool through its web client (the stateful stack's outputs UserPoolId and
WebClientId) with SRP, the only password flow that client allows, and prints the access token (only the
token, on stdout): what the API accepts as \`authorization: Bearer <token>\`, valid for an hour.
The password is read from MERIDIAN_PASSWORD, else asked for on the terminal. A first sign-in with a
temporary password sets the new one, from MERIDIAN_NEW_PASSWORD or asked for. A user with TOTP MFA gives
--mfa-code, or is asked for the code.
  curl -H "authorization: Bearer $(npm run -s token -- --stage dev --email me@example.com)" <ApiUrl>/orders`;

/** Asks the person at the terminal; `hidden` does not echo what they type. */
export type Prompt = (question: string, hidden: boolean) => Promise<string>;

/** The terminal prompt: on stderr, so stdout carries the token only. Refuses when there is no terminal. */
export const terminalPrompt: Prompt = (question, hidden) => {
  if (!process.stdin.isTTY) {
    return Promise.reject(
      new StageCliError(
        `${question.replace(/: $/, "")} is needed and there is no terminal to ask on (see --help).`,
      ),
    );
  }
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    if (hidden) {
      const output = rl as unknown as { _writeToOutput: (s: string) => void };
      output._writeToOutput = (s: string) => {
        // Echo the question and the line end, never what is typed.
        if (s.startsWith(question) || s === "\r\n" || s === "\n")
          process.stderr.write(s.startsWith(question) ? question : s);
      };
    }
    rl.question(question, (answer) => {
      rl.close();
      resolve(answer);
    });
  });
};

export interface SignInInput {
  userPoolId: string;
  clientId: string;
  email: string;
  env: Record<string, string | undefined>;
  mfaCode?: string;
  prompt: Prompt;
}

/**
 * USER_SRP_AUTH against `clientId`: InitiateAuth with SRP_A, the PASSWORD_VERIFIER answered with the
 * signature cognito-srp-helper computes, then NEW_PASSWORD_REQUIRED and SOFTWARE_TOKEN_MFA if Cognito asks.
 * Any other challenge is refused with its name.
 */
export async function signIn(
  client: CognitoIdentityProviderClient,
  input: SignInInput,
): Promise<AuthenticationResultType> {
  const password = input.env.MERIDIAN_PASSWORD ?? (await input.prompt(`Password for ${input.email}: `, true));
  const session = createSrpSession(input.email, password, input.userPoolId, false);
  const initiated = await client.send(
    new InitiateAuthCommand(
      wrapInitiateAuth(session, {
        ClientId: input.clientId,
        AuthFlow: "USER_SRP_AUTH",
        AuthParameters: { USERNAME: input.email, CHALLENGE_NAME: "SRP_A" },
      }),
    ),
  );
  if (initiated.ChallengeName !== "PASSWORD_VERIFIER")
    throw new StageCliError(
      `Cognito answered the SRP sign-in with ${initiated.ChallengeName ?? "no challenge"}`,
    );
  // The pool signs in by email, but the challenges name the user by its internal username.
  const username = initiated.ChallengeParameters?.USER_ID_FOR_SRP ?? input.email;
  let response: RespondToAuthChallengeCommandOutput = await client.send(
    new RespondToAuthChallengeCommand(
      wrapAuthChallenge(signSrpSession(session, initiated), {
        ClientId: input.clientId,
        ChallengeName: "PASSWORD_VERIFIER",
        ChallengeResponses: { USERNAME: username },
        Session: initiated.Session,
      }),
    ),
  );
  for (let step = 0; step < 3 && !response.AuthenticationResult; step++) {
    const challenge = response.ChallengeName;
    let answer: Record<string, string>;
    if (challenge === "NEW_PASSWORD_REQUIRED") {
      const next =
        input.env.MERIDIAN_NEW_PASSWORD ??
        (await input.prompt(
          `New password for ${input.email} (12+ characters, upper and lower case, digit, symbol): `,
          true,
        ));
      answer = { NEW_PASSWORD: next };
    } else if (challenge === "SOFTWARE_TOKEN_MFA") {
      answer = { SOFTWARE_TOKEN_MFA_CODE: input.mfaCode ?? (await input.prompt("TOTP code: ", false)) };
    } else {
      throw new StageCliError(
        `Cognito asked for ${challenge ?? "nothing"}, which this command does not answer.`,
      );
    }
    response = await client.send(
      new RespondToAuthChallengeCommand({
        ClientId: input.clientId,
        ChallengeName: challenge,
        ChallengeResponses: { USERNAME: username, ...answer },
        Session: response.Session,
      }),
    );
  }
  if (!response.AuthenticationResult?.AccessToken) throw new StageCliError("Cognito returned no tokens.");
  return response.AuthenticationResult;
}

/** `npm run token -- --stage <s> ...`: what packages/sandbox/src/cli/token.ts hands over when given --stage. */
export async function tokenStageMain(
  argv: string[],
  io: Io = processIo,
  prompt: Prompt = terminalPrompt,
  env: Record<string, string | undefined> = process.env,
): Promise<number> {
  const { values } = parseCommandLine({
    args: argv,
    options: {
      stage: { type: "string" },
      region: { type: "string" },
      email: { type: "string" },
      "mfa-code": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.out(TOKEN_STAGE_USAGE);
    return 0;
  }
  const email = values.email?.trim().toLowerCase();
  if (!email) throw new UsageError("--email <address> is required with --stage");
  const target = resolveTarget(values.stage, values.region, env);
  const outputs = await stackOutputs(target, "stateful");
  const userPoolId = requireOutput(outputs, "UserPoolId", target, "stateful");
  const clientId = requireOutput(outputs, "WebClientId", target, "stateful");
  const client = new CognitoIdentityProviderClient({ region: target.region });
  try {
    const result = await signIn(client, {
      userPoolId,
      clientId,
      email,
      env,
      prompt,
      ...(values["mfa-code"] ? { mfaCode: values["mfa-code"] } : {}),
    });
    io.out(result.AccessToken ?? "");
    return 0;
  } catch (error) {
    const name = (error as Error).name;
    if (name === "NotAuthorizedException" || name === "UserNotFoundException")
      throw new StageCliError(`Sign-in refused for ${email}: ${(error as Error).message}`);
    if (name === "InvalidPasswordException")
      throw new StageCliError(`The new password was refused: ${(error as Error).message}`);
    if (name === "CodeMismatchException") throw new StageCliError("The TOTP code was wrong or expired.");
    throw describeAwsError(error, `signing ${email} in to ${userPoolId}`);
  } finally {
    client.destroy();
  }
}
