import { BusinessMetric, type Epoch, EpochSchema, recordEpoch } from "@meridian/core";
import { html } from "hono/html";
import type { RouteDeps } from "../deps.ts";
import { MethodNotAllowedError } from "../errors.ts";
import { countMetric } from "../middleware/observe.ts";
import { type ApiBuilder, errorResponse, mount } from "./route.ts";

function page(epoch: Epoch) {
  const when = new Date(epoch.epoch * 1000).toISOString();
  return html`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Meridian</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:.1rem .3rem}</style>
  </head>
  <body>
    <h1>Visit recorded</h1>
    <p>At <time datetime="${when}">${when}</time> (epoch <code>${epoch.epoch}</code>) from <code>${epoch.ip}</code>.</p>
    <p>Record id <code>${epoch.id}</code>. API reference: <a href="/docs">/docs</a>.</p>
  </body>
</html>`;
}

/** Where a visit is recorded. Only `GET` on exactly this path records one (see `canonicalPaths`). */
export const VISIT_PATH = "/";

export function visitRoutes(api: ApiBuilder, deps: RouteDeps) {
  mount(
    api,
    {
      method: "get",
      path: VISIT_PATH,
      useCase: "recordEpoch",
      summary: "Record a visit",
      description:
        "Public. Records the current instant and the caller's IP; HTML when the client prefers text/html. " +
        "Only `GET /` records: HEAD answers 405 and any other spelling of the path (`//`, `/%2e`, `/x/..`) 404.",
      responses: {
        200: {
          description: "The recorded visit",
          content: {
            "application/json": { schema: EpochSchema },
            "text/html": { schema: { type: "string" } },
          },
        },
        405: errorResponse("METHOD_NOT_ALLOWED (with `Allow: GET`) for HEAD: it would record a visit unseen"),
        503: errorResponse("Database unavailable"),
      },
    },
    async (c) => {
      // Hono answers HEAD with the GET handler. API Gateway throttles the `GET /` route only, so a HEAD would
      // record visits past the throttle (and nobody would see their ids): it records nothing.
      if (c.req.method === "HEAD") throw new MethodNotAllowedError("HEAD", ["GET"]);
      const { epoch } = await recordEpoch(deps, { ip: deps.clientIp(c), body: {} });
      countMetric(c, BusinessMetric.EpochsRecorded);
      c.header("Cache-Control", "no-store");
      c.header("Vary", "Accept");
      return c.req.header("accept")?.includes("text/html") ? c.html(page(epoch)) : c.json(epoch);
    },
  );
}
