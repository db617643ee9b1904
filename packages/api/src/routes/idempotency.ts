import { parseInput } from "@meridian/core";
import * as z from "zod/mini";
import type { AppContext } from "../env.ts";

// Built on first use, like every schema: a request without the header never builds it.
const IdempotencyKeySchema = z.lazy(() =>
  z
    .string()
    .check(z.minLength(1), z.maxLength(128), z.regex(/^[\x21-\x7e]+$/, "visible ASCII characters only")),
);

/** The `Idempotency-Key` header as the OpenAPI document lists it, for the routes that take one. */
export const IdempotencyHeaders = z.lazy(() =>
  z.object({ "idempotency-key": z.optional(IdempotencyKeySchema) }),
);

/** The request's `Idempotency-Key`, if it sent one; a malformed one is a 400 naming the header. */
export function idempotencyKeyOf(c: AppContext): string | undefined {
  const header = c.req.header("idempotency-key");
  return header === undefined ? undefined : parseInput(IdempotencyKeySchema, header, "Idempotency-Key");
}
