import type { Context } from "hono";

/** The first of `names` given more than once: RFC 6749 §3.1 and §3.2 refuse repeated parameters. */
export function repeated(params: URLSearchParams, names: readonly string[]): string | undefined {
  return names.find((name) => params.getAll(name).length > 1);
}

/**
 * An `application/x-www-form-urlencoded` body (the only type OAuth's POST endpoints take), or undefined
 * for any other content type. The body's size is capped by the route's `bodyLimit`.
 */
export async function readForm(c: Context): Promise<URLSearchParams | undefined> {
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return undefined;
  return new URLSearchParams(await c.req.text());
}

/** Largest form body the endpoints read: a sealed request with a long state fits many times over. */
export const MAX_FORM_BYTES = 16 * 1024;
