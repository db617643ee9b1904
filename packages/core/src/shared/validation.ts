import type { z } from "zod";
import { type FieldIssue, ValidationError } from "./errors.ts";

/** Turns zod issues into field issues that name the offending field. */
export function toFieldIssues(error: z.ZodError, root: string): FieldIssue[] {
  return error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
    // A single unknown key is named as the field; several stay in the message on the parent.
    const path = [...issue.path.map(String), ...(keys.length === 1 ? keys : [])];
    return { field: path.length > 0 ? path.join(".") : root, message: issue.message };
  });
}

/** Parses `value` with `schema`, throwing a ValidationError that names the fields at fault. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(toFieldIssues(result.error, root));
  return result.data;
}
