import {
  BusinessMetric,
  EpochPageSchema,
  EpochSchema,
  getEpoch,
  ListEpochsQuerySchema,
  listEpochs,
  parseInput,
  type RecordEpochBody,
  RecordEpochBodySchema,
  recordEpoch,
} from "@meridian/core";
import type { MiddlewareHandler } from "hono";
import type { RouteDeps } from "../app.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody } from "../middleware/json-body.ts";
import { countMetric } from "../middleware/observe.ts";
import { IdempotencyHeaders, idempotencyKeyOf } from "./idempotency.ts";
import { type ApiBuilder, errorResponse, mount, IdParams as params } from "./route.ts";

const security = [{ ApiKey: [] }];
const authErrors = { 401: errorResponse("Missing, unknown or revoked API key") };

export function epochRoutes(api: ApiBuilder, deps: RouteDeps, auth: MiddlewareHandler<AppEnv>) {
  mount(
    api,
    {
      method: "post",
      path: "/epoch",
      summary: "Record the current instant",
      description:
        "Stores `{id, epoch, ip}` and returns it. With `Idempotency-Key`, a retry returns the first record " +
        "(header `Idempotent-Replayed: true`) and writes nothing.",
      security,
      request: {
        headers: IdempotencyHeaders,
        body: { required: false, content: { "application/json": { schema: RecordEpochBodySchema } } },
      },
      responses: {
        201: { description: "Recorded", content: { "application/json": { schema: EpochSchema } } },
        400: errorResponse("Malformed JSON or a field violates the schema"),
        ...authErrors,
        413: errorResponse("Body over 64 KiB"),
        415: errorResponse("Body is not application/json"),
        422: errorResponse("Idempotency-Key reused with a different body"),
        503: errorResponse("Database unavailable; retry after Retry-After seconds"),
      },
    },
    auth,
    jsonBody(RecordEpochBodySchema, { optional: true }),
    async (c) => {
      const key = idempotencyKeyOf(c);
      const { epoch, replayed } = await recordEpoch(deps, {
        ip: deps.clientIp(c),
        body: c.get("body") as RecordEpochBody,
        keyId: c.get("apiKey").id,
        idempotencyKey: key,
      });
      if (replayed) c.header("Idempotent-Replayed", "true");
      else countMetric(c, BusinessMetric.EpochsRecorded);
      c.header("Location", `/epochs/${epoch.id}`);
      return c.json(epoch, 201);
    },
  );

  mount(
    api,
    {
      method: "get",
      path: "/epochs",
      summary: "List epochs, newest first",
      description:
        "Every API key may read every epoch, with the IP that recorded it (visits to `GET /` included). " +
        "`mine=true` lists only those the calling key recorded.",
      security,
      request: { query: ListEpochsQuerySchema },
      responses: {
        200: { description: "A page", content: { "application/json": { schema: EpochPageSchema } } },
        400: errorResponse("Bad limit or cursor"),
        ...authErrors,
        503: errorResponse("Database unavailable"),
      },
    },
    auth,
    async (c) => {
      const query = parseInput(ListEpochsQuerySchema, c.req.query(), "(query)");
      return c.json(await listEpochs(deps, query, c.get("apiKey").id));
    },
  );

  mount(
    api,
    {
      method: "get",
      path: "/epochs/{id}",
      summary: "Get one epoch",
      security,
      request: { params },
      responses: {
        200: { description: "The epoch", content: { "application/json": { schema: EpochSchema } } },
        ...authErrors,
        404: errorResponse("No epoch with that id"),
        503: errorResponse("Database unavailable"),
      },
    },
    auth,
    async (c) => c.json(await getEpoch(deps, c.req.param("id") ?? "")),
  );
}
