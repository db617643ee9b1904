import * as z from "zod/mini";
import { _coercedNumber, _isoDateTime, $ZodISODateTime } from "zod/v4/core";

// `z.coerce.number()` and `z.iso.datetime()` behave exactly like these, but they are reached through
// zod/mini's nested namespaces (`z.coerce`, `z.iso`), which esbuild cannot tree-shake: one use pulls zod's
// JSON Schema generator (23 KB) into every Lambda cold start. These build the same schemas from zod's core
// API, so the generator stays in the lazily loaded OpenAPI chunk. Use them instead of `z.coerce`/`z.iso`.

/** A number given as text (a query string, an environment variable): `z.coerce.number()`. */
export const numberFromText = () => _coercedNumber(z.ZodMiniNumber);

/**
 * An ISO 8601 date-time in UTC (`2026-11-22T04:00:00.000Z`): `z.iso.datetime()`. A leaf: zod's core type, which
 * parses and converts to JSON Schema like the mini one but has no `.check()` (mini's own class would bring
 * the generator back).
 */
export const isoDateTime = () => _isoDateTime($ZodISODateTime);
