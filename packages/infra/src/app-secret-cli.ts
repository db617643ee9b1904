import { fileURLToPath } from "node:url";
import { ConfigError, parseAppSecret, retireAppSecret, rotateAppSecret } from "@meridian/core";

const USAGE = `Usage: npm run -s app-secret -- <rotate | retire <version>>  < secret text  > new secret text

  rotate             add a version (48 random bytes) and make it current; every version kept
  retire <version>   drop a version that is not the current one: keys and cursors made with it stop working

Reads the app secret's text on stdin (a plain secret, which is version 1, or the JSON ring), writes the new
text on stdout, and says what it did on stderr. It never prints a secret on a terminal. Pipe it between
aws secretsmanager get-secret-value and put-secret-value: see "Rotating the app secret" in docs/operations.md.`;

export interface AppSecretCommandResult {
  /** What goes to stdout: the new secret text; absent when the command failed. */
  output?: string;
  /** What goes to stderr. */
  message: string;
  code: number;
}

/**
 * The text piped in, without the one line break `aws ... --output text` ends with. Any other white space at
 * either end is refused rather than kept: as part of a plain (version 1) secret it would change the pepper
 * and invalidate every key.
 */
export function secretFromInput(input: string): string {
  const text = input.replace(/\r?\n$/, "");
  if (text !== text.trim()) {
    throw new ConfigError(
      "the secret on stdin begins or ends with white space (beyond the one line break the AWS CLI adds)",
    );
  }
  return text;
}

/** Runs `rotate` or `retire <version>` on the text read from stdin. Pure but for rotate's random bytes. */
export function runAppSecretCommand(argv: string[], input: string): AppSecretCommandResult {
  const [command, ...args] = argv;
  if (command === undefined || command === "--help" || command === "-h") {
    return { message: USAGE, code: command === undefined ? 2 : 0 };
  }
  try {
    if (command === "rotate" && args.length === 0) {
      const output = rotateAppSecret(secretFromInput(input));
      const ring = parseAppSecret(output);
      return {
        output,
        code: 0,
        message:
          `Added version ${ring.current} and made it current; versions held: ${versions(output)}. ` +
          "Store the output, let every function start afresh, then reissue API keys.",
      };
    }
    if (command === "retire" && args.length === 1) {
      const version = args[0] as string;
      const output = retireAppSecret(secretFromInput(input), version);
      return {
        output,
        code: 0,
        message:
          `Retired version ${version}; versions held: ${versions(output)}. Once stored and read by the ` +
          `functions, API keys issued under version ${version} and cursors signed with it are refused.`,
      };
    }
  } catch (error) {
    if (error instanceof ConfigError) return { message: `Refused: ${error.message}.`, code: 1 };
    throw error;
  }
  return { message: `Unknown command "${argv.join(" ")}".\n\n${USAGE}`, code: 2 };
}

function versions(text: string): string {
  return Object.keys(parseAppSecret(text).secrets).join(", ");
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const help = argv.length === 0 || argv[0] === "--help" || argv[0] === "-h";
  if (!help && process.stdin.isTTY) {
    console.error(`The secret text is read from stdin: pipe it in.\n\n${USAGE}`);
    return 2;
  }
  if (!help && process.stdout.isTTY) {
    console.error("Refusing to print a secret on a terminal: pipe stdout into put-secret-value (or a file).");
    return 2;
  }
  let input = "";
  if (!help) {
    process.stdin.setEncoding("utf8");
    for await (const chunk of process.stdin) input += chunk;
  }
  const result = runAppSecretCommand(argv, input);
  if (result.output !== undefined) process.stdout.write(result.output);
  console.error(result.message);
  return result.code;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
