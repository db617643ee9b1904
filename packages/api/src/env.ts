import type { ApiKeyPrincipal, MetricValue, UserPrincipal } from "@meridian/core";
import type { Context } from "hono";

export type AppVariables = {
  requestId: string;
  apiKey: ApiKeyPrincipal;
  user: UserPrincipal;
  body: unknown;
  /** Business counts of this request, written with its log entry (see `countMetric`). */
  counts: MetricValue[];
};

/** Hono environment of the Meridian app; `Bindings` depend on the front door (Lambda event, Node socket). */
export type AppEnv = { Variables: AppVariables; Bindings: Record<string, unknown> };

export type AppContext = Context<AppEnv>;

/** Finds the caller's IP from what the front door vouches for, never from client-supplied headers. */
export type ClientIpResolver = (c: AppContext) => string;
