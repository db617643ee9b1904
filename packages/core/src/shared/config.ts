import type * as z from "zod/mini";
import "./validation.ts";
import { ConfigError } from "./errors.ts";

/**
 * Parses environment variables once, at start-up, into a typed value.
 * A missing or malformed variable stops start-up with a message naming every offending variable.
 * An empty variable (`FOO= cmd`) counts as unset.
 *
 * @example
 * const config = parseEnv(z.object({ TABLE_EPOCHS: z.string().check(z.minLength(1)) }), process.env);
 */
export function parseEnv<S extends z.ZodMiniType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const set = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = schema.safeParse(set);
  if (result.success) return result.data as z.output<S>;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    if (issue.code === "custom") return `${name}: ${issue.message}`;
    return set[name] === undefined ? `${name} is required` : `${name} is invalid: ${issue.message}`;
  });
  throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
}
