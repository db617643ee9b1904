import { type ParseArgsConfig, parseArgs } from "node:util";

/** A mistake on the command line: printed with the usage, exit code 2, never a stack trace. */
export class UsageError extends Error {}

/**
 * `parseArgs` for the sandbox's CLIs, with the mistakes users make told apart from bugs: an unknown or
 * malformed option is a UsageError naming it; so is an option npm took for itself because it came without
 * `--` (`npm start --in-memory` sets npm's config `in-memory` and the script never sees it).
 */
export function parseCli<T extends ParseArgsConfig>(config: T, command: string) {
  for (const name of Object.keys(config.options ?? {})) {
    if (name === "help") continue;
    if (process.env[`npm_config_${name.replaceAll("-", "_")}`] !== undefined) {
      throw new UsageError(
        `npm took --${name} for one of its own options: write \`${command} -- --${name}\``,
      );
    }
  }
  try {
    return parseArgs(config);
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS_"))
      throw new UsageError((error as Error).message);
    throw error;
  }
}

/** Runs a CLI's main: a UsageError prints its message and `usage` on stderr and exits 2. */
export function runCli(main: () => Promise<number> | number, usage: string): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        if (error instanceof UsageError) {
          console.error(`${error.message}\n\n${usage}`);
          process.exit(2);
        }
        console.error(error instanceof Error ? error.message : error);
        process.exit(1);
      },
    );
}
