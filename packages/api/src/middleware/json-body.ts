import { parseInput } from "@meridian/core";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type * as z from "zod/mini";
import type { AppEnv } from "../env.ts";
import { MalformedJsonError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../errors.ts";

export interface JsonBodyOptions {
  /** Largest accepted body; bigger ones get 413 before they are parsed. Default 64 KiB. */
  maxBytes?: number;
  /** Whether a request may come without a body (then `{}` is validated). Default false. */
  optional?: boolean;
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads, size-checks, parses and validates a JSON body once, then exposes it as `c.get("body")`.
 * 413 for an oversized body, 415 for another media type, 400 for malformed JSON or a schema violation.
 */
export function jsonBody(schema: z.ZodMiniType, options: JsonBodyOptions = {}) {
  const maxBytes = options.maxBytes ?? 64 * 1024;
  return createMiddleware<AppEnv>(async (c, next) => {
    const declared = Number(c.req.header("content-length") ?? Number.NaN);
    if (declared > maxBytes) throw new PayloadTooLargeError(maxBytes);

    // A request that declares a length is read (or not, for 0) as it says. One that declares none may still
    // carry a body (chunked, HTTP/2, AWS's sample Lambda events): it is read through Hono's bodyLimit, which
    // stops at maxBytes instead of holding whatever a client streams, and skips a request without a body.
    // Not for every request: it touches `Request.body`, a web stream, which a declared length never needs.
    const unknownLength = Number.isNaN(declared);
    if (unknownLength) {
      await bodyLimit({
        maxSize: maxBytes,
        onError: () => {
          throw new PayloadTooLargeError(maxBytes);
        },
      })(c, async () => {});
    }
    const bodiless = declared === 0 || (unknownLength && c.req.raw.body === null);
    const raw = bodiless ? new Uint8Array(0) : new Uint8Array(await c.req.arrayBuffer());
    if (raw.byteLength > maxBytes) throw new PayloadTooLargeError(maxBytes);

    let value: unknown = {};
    if (raw.byteLength > 0) {
      const contentType = c.req.header("content-type") ?? "(none)";
      if (!JSON_TYPE.test(contentType)) throw new UnsupportedMediaTypeError(contentType);
      try {
        value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
      } catch {
        throw new MalformedJsonError();
      }
    } else if (!options.optional) {
      throw new MalformedJsonError();
    }
    c.set("body", parseInput(schema, value, "(body)"));
    await next();
  });
}
