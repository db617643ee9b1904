import { ForbiddenError, UnauthorizedError } from "@meridian/core";
import type { MiddlewareHandler } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../env.ts";

/**
 * The epoch routes' one auth rule: a caller with `x-api-key` is checked as an API key (and only as one,
 * whatever else it sends); any other caller needs a signed-in user's `Authorization: Bearer` token (the
 * dashboard's). Neither: 401 naming both.
 */
export function apiKeyOrToken(
  apiKey: MiddlewareHandler<AppEnv>,
  signedIn: MiddlewareHandler<AppEnv>,
): MiddlewareHandler<AppEnv> {
  return createMiddleware<AppEnv>((c, next) => {
    if (c.req.header("x-api-key") !== undefined) return apiKey(c, next);
    if (c.req.header("authorization") !== undefined) return signedIn(c, next);
    throw new UnauthorizedError(
      "API_KEY_MISSING",
      "Send an API key (x-api-key) or a signed-in user's Authorization: Bearer <token>",
    );
  });
}

/**
 * Who recorded an epoch, as the store keeps it (`mine=true`, the scope of an Idempotency-Key): the API
 * key's id, or `user:<sub>` for a signed-in user (API key ids never hold a colon).
 */
export function recorderOf(c: AppContext): string {
  const key = c.get("apiKey");
  return key ? key.id : `user:${c.get("user").sub}`;
}

/**
 * Every epoch carries the IP that recorded it, so reading every epoch is for API keys (issued by operators)
 * and admins; a signed-in customer (users sign up themselves) reads only their own (`mine=true`).
 */
export function requireReadAll(c: AppContext): void {
  if (c.get("apiKey") || c.get("user").role === "admin") return;
  throw new ForbiddenError(
    "Every epoch, with the IP that recorded it, is for API keys and admins: list your own with mine=true",
  );
}
