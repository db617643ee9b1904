import { requireAdmin } from "@meridian/core";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env.ts";

/**
 * After sign-in, for admin routes: a customer gets 403 before anything of the request is read or validated
 * (the use cases check the role again).
 */
export const adminOnly = createMiddleware<AppEnv>(async (c, next) => {
  requireAdmin(c.get("user"));
  await next();
});
