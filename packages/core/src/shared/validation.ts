import type * as z from "zod/mini";
import { config } from "zod/v4/core";
import en from "zod/v4/locales/en.js";
import { type FieldIssue, ValidationError } from "./errors.ts";

// Every schema in the project is written with zod/mini (decision 0008), which ships no messages of its own:
// English ones, the same as classic zod's, for every parse. Everything that parses imports this module.
// (`config` from zod's core, not `z.config`: see schema-parts.ts for why a Lambda bundle cares.)
config(en());

/** Turns zod issues into field issues that name the offending field. */
export function toFieldIssues(error: z.core.$ZodError, root: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    // A single unknown key is named as the field; several stay in the message on the parent.
    const path = [...issue.path.map(String), ...(keys.length === 1 ? keys : [])];
    return { field: path.length > 0 ? path.join(".") : root, message: issue.message };
  });
}

/** Parses `value` with `schema`, throwing a ValidationError that names the fields at fault. */
export function parseInput<S extends z.ZodMiniType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(toFieldIssues(result.error, root));
  return result.data as z.output<S>;
}

/**
 * Parses a configuration value (a stage, options, a CI setting) with `schema`; on failure throws what
 * `fail` makes of the problems, each `path: message` (`root` when the value itself is at fault).
 *
 * @example
 * const stage = parseConfig(StageSchema, input, "(stage)", (problems) => new Error(`Bad stage: ${problems.join("; ")}`));
 */
export function parseConfig<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  root: string,
  fail: (problems: string[]) => Error,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data as z.output<S>;
  throw fail(result.error.issues.map((issue) => `${issue.path.join(".") || root}: ${issue.message}`));
}
