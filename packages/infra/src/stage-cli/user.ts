import { randomInt } from "node:crypto";
import { fileURLToPath } from "node:url";
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { ADMIN_GROUP } from "../stacks/stateful-stack.ts";
import { describeAwsError, resolveTarget } from "./aws-target.ts";
import {
  type Io,
  parseCommandLine,
  processIo,
  runCommand,
  StageCliError,
  UsageError,
} from "./cli-support.ts";
import { requireOutput, stackOutputs } from "./stack-outputs.ts";

export const USER_USAGE = `Usage: npm run user -- create --stage <name> [--region <r>] --role admin|customer --email <address> [--json]

Creates a user in the stage's Cognito user pool (the stateful stack's output UserPoolId) with its email
marked verified and a random temporary password, printed here once (Cognito sends no invitation mail).
The first sign-in (\`npm run -s token -- --stage <name> --email <address>\`, or the dashboard) sets a new
password. --role admin also adds the user to the "${ADMIN_GROUP}" group; admin tokens carry the group only
once the user has enrolled TOTP MFA (docs/deploy.md, "Admins need TOTP MFA").`;

const LOWER = "abcdefghijkmnopqrstuvwxyz";
const UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS = "23456789";
/** Symbols Cognito accepts that no shell or URL treats specially. */
const SYMBOLS = "-_.+=%";

/**
 * A temporary password that meets the pool's policy (12+ characters with lower and upper case, a digit and a
 * symbol, stateful-stack.ts): 20 characters from crypto's random source, one of each class at least.
 */
export function temporaryPassword(length = 20): string {
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const pick = (set: string) => set[randomInt(set.length)] as string;
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] as string, chars[i] as string];
  }
  return chars.join("");
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** `npm run user -- create ...` with `argv` (what follows `--`). */
export async function userMain(argv: string[], io: Io = processIo): Promise<number> {
  const { values, positionals } = parseCommandLine({
    args: argv,
    allowPositionals: true,
    options: {
      stage: { type: "string" },
      region: { type: "string" },
      role: { type: "string" },
      email: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command] = positionals;
  if (values.help || !command) {
    io.out(USER_USAGE);
    return values.help ? 0 : 2;
  }
  if (command !== "create") throw new UsageError(`Unknown command "${command}"`);
  if (values.role !== "admin" && values.role !== "customer")
    throw new UsageError("--role must be admin or customer");
  const email = values.email?.trim().toLowerCase();
  if (!email || !EMAIL.test(email)) throw new UsageError("--email <address> is required");
  const target = resolveTarget(values.stage, values.region);
  const userPoolId = requireOutput(await stackOutputs(target, "stateful"), "UserPoolId", target, "stateful");

  const cognito = new CognitoIdentityProviderClient({ region: target.region });
  const password = temporaryPassword();
  try {
    const { User } = await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: email,
        UserAttributes: [
          { Name: "email", Value: email },
          { Name: "email_verified", Value: "true" },
        ],
        TemporaryPassword: password,
        // The password is printed here instead of mailed: no dependence on the pool's mail quota or setup.
        MessageAction: "SUPPRESS",
      }),
    );
    const groups: string[] = [];
    if (values.role === "admin") {
      try {
        await cognito.send(
          new AdminAddUserToGroupCommand({ UserPoolId: userPoolId, Username: email, GroupName: ADMIN_GROUP }),
        );
      } catch (error) {
        // The user exists now: its password must not be lost with the error.
        io.err(`Created ${email}, temporary password (shown only this once): ${password}`);
        throw describeAwsError(error, `adding ${email} to the group "${ADMIN_GROUP}" of ${userPoolId}`);
      }
      groups.push(ADMIN_GROUP);
    }
    const sub = User?.Attributes?.find((a) => a.Name === "sub")?.Value ?? User?.Username ?? "";
    if (values.json) {
      io.out(JSON.stringify({ email, sub, userPoolId, groups, temporaryPassword: password }));
      return 0;
    }
    io.out(
      `Created ${values.role} ${email} (sub ${sub}) in ${userPoolId}, stage ${target.stage}, ${target.region}.`,
    );
    io.out(`Temporary password, shown only this once: ${password}`);
    io.out(
      `Sign in: npm run -s token -- --stage ${target.stage} --email ${email}  (the first sign-in sets a new password)`,
    );
    if (values.role === "admin")
      io.out(`Admin tokens carry the "${ADMIN_GROUP}" group once TOTP MFA is enrolled (docs/deploy.md).`);
    return 0;
  } catch (error) {
    if ((error as Error).name === "UsernameExistsException")
      throw new StageCliError(`A user with the email ${email} already exists in ${userPoolId}.`);
    if ((error as Error).name === "ResourceNotFoundException" && values.role === "admin")
      throw new StageCliError(
        `The pool ${userPoolId} has no group "${ADMIN_GROUP}": deploy the current app.`,
      );
    throw describeAwsError(error, `creating ${email} in ${userPoolId}`);
  } finally {
    cognito.destroy();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1])
  runCommand(() => userMain(process.argv.slice(2)), USER_USAGE);
