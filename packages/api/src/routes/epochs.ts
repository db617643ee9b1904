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
import { recorderOf, requireReadAll } from "../middleware/key-or-token.ts";
import { countMetric } from "../middleware/observe.ts";
import { IdempotencyHeaders } from "./idempotency.ts";
import { type ApiBuilder, errorResponse, mount, IdParams as params } from "./route.ts";

/** Either admits a caller: an API key, or a signed-in user's token (see `apiKeyOrToken`). */
const security: Record<string, string[]>[] = [{ ApiKey: [] }, { Bearer: [] }];
const authErrors = {
  401: errorResponse("No credentials, or an unknown or revoked API key, or an invalid or expired token"),
};

/** `auth` admits API keys and signed-in users alike (`apiKeyOrToken`). */
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
        keyId: recorderOf(c),
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
        "Every API key and admin may read every epoch, with the IP that recorded it (visits to `GET /` included). " +
        "`mine=true` lists only those the calling key or signed-in user recorded: all a customer may list (403 otherwise).",
      security,
      use: [auth],
      request: { query: ListEpochsQuerySchema },
      responses: {
        200: { description: "A page", content: { "application/json": { schema: EpochPageSchema } } },
        400: errorResponse("Bad limit or cursor"),
        ...authErrors,
        403: errorResponse("A customer's token without mine=true"),
        503: errorResponse("Database unavailable"),
      },
    },
    async (c, { query }) => {
      if (query.mine !== "true") requireReadAll(c);
      return c.json(await listEpochs(deps, query, recorderOf(c)));
    },
  );

  mount(
    api,
    {
      method: "get",
      path: "/epochs/{id}",
      useCase: "getEpoch",
      summary: "Get one epoch (API keys and admins)",
      security,
      use: [auth],
      request: { params },
      responses: {
        200: { description: "The epoch", content: { "application/json": { schema: EpochSchema } } },
        ...authErrors,
        403: errorResponse("A customer's token"),
        404: errorResponse("No epoch with that id"),
        503: errorResponse("Database unavailable"),
      },
    },
    async (c, { params }) => {
      requireReadAll(c);
      return c.json(await getEpoch(deps, params.id ?? ""));
    },
  );
}
