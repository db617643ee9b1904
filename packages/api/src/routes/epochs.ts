import {
  BusinessMetric,
  EpochPageSchema,
  EpochSchema,
  getEpoch,
  ListEpochsQuerySchema,
  listEpochs,
  RecordEpochBodySchema,
  recordEpoch,
} from "@meridian/core";
import type { MiddlewareHandler } from "hono";
import type { RouteDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";
import { countMetric } from "../middleware/observe.ts";
import { IdempotencyHeaders } from "./idempotency.ts";
import { type ApiBuilder, errorResponse, mount, IdParams as params } from "./route.ts";

const security = [{ ApiKey: [] }];
const authErrors = { 401: errorResponse("Missing, unknown or revoked API key") };

export function epochRoutes(api: ApiBuilder, deps: RouteDeps, auth: MiddlewareHandler<AppEnv>) {
  mount(
    api,
    {
      method: "post",
      path: "/epoch",
      useCase: "recordEpoch",
      summary: "Record the current instant",
      description:
        "Stores `{id, epoch, ip}` and returns it. With `Idempotency-Key`, a retry returns the first record " +
        "(header `Idempotent-Replayed: true`) and writes nothing.",
      security,
      use: [auth],
      request: { headers: IdempotencyHeaders, body: { schema: RecordEpochBodySchema, required: false } },
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
    async (c, { body, headers }) => {
      const { epoch, replayed } = await recordEpoch(deps, {
        ip: deps.clientIp(c),
        body,
        keyId: c.get("apiKey").id,
        idempotencyKey: headers["idempotency-key"],
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
      useCase: "listEpochs",
      summary: "List epochs, newest first",
      description:
        "Every API key may read every epoch, with the IP that recorded it (visits to `GET /` included). " +
        "`mine=true` lists only those the calling key recorded.",
      security,
      use: [auth],
      request: { query: ListEpochsQuerySchema },
      responses: {
        200: { description: "A page", content: { "application/json": { schema: EpochPageSchema } } },
        400: errorResponse("Bad limit or cursor"),
        ...authErrors,
        503: errorResponse("Database unavailable"),
      },
    },
    async (c, { query }) => c.json(await listEpochs(deps, query, c.get("apiKey").id)),
  );

  mount(
    api,
    {
      method: "get",
      path: "/epochs/{id}",
      useCase: "getEpoch",
      summary: "Get one epoch",
      security,
      use: [auth],
      request: { params },
      responses: {
        200: { description: "The epoch", content: { "application/json": { schema: EpochSchema } } },
        ...authErrors,
        404: errorResponse("No epoch with that id"),
        503: errorResponse("Database unavailable"),
      },
    },
    async (c, { params }) => c.json(await getEpoch(deps, params.id ?? "")),
  );
}
