import { createMiddleware } from "hono/factory";
import type { AppContext, AppEnv } from "../env.ts";

export interface RequestIdOptions {
  /** The id the front door already gave this request (API Gateway's requestId), when there is one. */
  fromFrontDoor?: (c: AppContext) => string | undefined;
}

const CLIENT_ID = /^[\w.:=-]{1,200}$/;

/**
 * Gives every request an id, echoed in `X-Request-Id` and in error bodies. The front door's id wins, so
 * the id matches API Gateway's own logs; otherwise a well-formed client-sent `X-Request-Id` is kept for
 * correlation; otherwise a UUID is made.
 */
export function requestId(options: RequestIdOptions = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const fromClient = c.req.header("x-request-id");
    const id =
      options.fromFrontDoor?.(c) ??
      (fromClient && CLIENT_ID.test(fromClient) ? fromClient : crypto.randomUUID());
    c.set("requestId", id);
    c.header("X-Request-Id", id);
    await next();
  });
}
