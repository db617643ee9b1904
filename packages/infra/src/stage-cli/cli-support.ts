import { type ParseArgsConfig, parseArgs } from "node:util";

/** A mistake on the command line: printed with the usage, exit code 2, never a stack trace. */
export class UsageError extends Error {}

/** A failure the user can act on (no credentials, no such stack, a queue that cannot be redriven): exit 1. */
export class StageCliError extends Error {}

/** Where a command writes: stdout for results, stderr for everything said to the person at the terminal. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * `parseArgs` over `args`, its errors (unknown option, missing value) turned into a UsageError; so is an option
 * npm took for its own because it came without `--` (`npm run logs --stage dev` sets npm's config `stage`).
 */
export function parseCommandLine<T extends ParseArgsConfig>(config: T) {
  for (const name of Object.keys(config.options ?? {})) {
    if (name !== "help" && process.env[`npm_config_${name.replaceAll("-", "_")}`] !== undefined)
      throw new UsageError(
        `npm took --${name} for one of its own options: put \`--\` before the command's options`,
      );
  }
  try {
    return parseArgs(config);
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS_"))
      throw new UsageError((error as Error).message);
    throw error;
  }
}

/**
 * Runs a command's main and exits with its code: a UsageError prints its message and `usage` (exit 2), any
 * other error its message only (exit 1). The SDK's Node-version notice is turned off: it says nothing here.
 */
export function runCommand(main: () => Promise<number>, usage: string): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        console.error(`${error.message}\n\n${usage}`);
        process.exit(2);
      }
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}

/** Rows as an aligned text table (column names from the first row), for the terminal. */
export function textTable(rows: ReadonlyArray<Record<string, string | number>>): string[] {
  const first = rows[0];
  if (!first) return [];
  const columns = Object.keys(first);
  const cell = (row: Record<string, string | number>, column: string) => String(row[column] ?? "");
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((row) => cell(row, c).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map((r) => line(columns.map((c) => cell(r, c)))),
  ];
}

/**
 * Runs a `--stage` command for a CLI of the sandbox that hands over to it: a UsageError prints its message and
 * `usage` on stderr and gives exit code 2; other errors go to the caller's runner (message only, exit 1).
 */
export async function withUsage(
  main: () => Promise<number>,
  usage: string,
  io: Io = processIo,
): Promise<number> {
  try {
    return await main();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`${error.message}\n\n${usage}`);
    return 2;
  }
}
