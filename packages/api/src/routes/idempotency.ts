import * as z from "zod/mini";

// Built on first use, like every schema: on the first request to a route that takes the header.
const IdempotencyKeySchema = z.lazy(() =>
  z
    .string()
    .check(z.minLength(1), z.maxLength(128), z.regex(/^[\x21-\x7e]+$/, "visible ASCII characters only")),
);

/**
 * The `Idempotency-Key` header of the routes that take one: the OpenAPI document lists it, `mount` validates
 * it (a malformed one is a 400 naming the header).
 */
export const IdempotencyHeaders = z.lazy(() =>
  z.object({ "idempotency-key": z.optional(IdempotencyKeySchema) }),
);
