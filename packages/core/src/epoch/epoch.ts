import * as z from "zod/mini";
import { numberFromText } from "../shared/schema-parts.ts";

// Schemas are built on first use (`z.lazy`), not when the module loads: a cold start that serves one route
// builds only that route's schemas (decision 0008).

/** A recorded instant: who recorded it (IP) and when (seconds since 1970, fractional). */
export const EpochSchema = z.lazy(() =>
  z
    .object({
      id: z.uuid().check(z.describe("Time-ordered UUID (version 7) made by the API")),
      epoch: z.number().check(z.describe("Seconds since 1970-01-01T00:00:00Z, with millisecond fraction")),
      ip: z.string().check(z.describe("Caller IP as seen by the front door")),
      label: z.optional(z.string().check(z.describe("Free text the client attached"))),
    })
    .check(z.meta({ id: "Epoch" })),
);
export type Epoch = z.infer<typeof EpochSchema>;

/** Body of `POST /epoch`. Optional: an empty body records the current instant with no label. */
export const RecordEpochBodySchema = z.lazy(() =>
  z
    .strictObject({
      label: z.optional(
        z.string().check(z.trim(), z.minLength(1), z.maxLength(128), z.describe("Up to 128 characters")),
      ),
    })
    .check(z.meta({ id: "RecordEpochBody" })),
);
export type RecordEpochBody = z.infer<typeof RecordEpochBodySchema>;

export const EPOCH_PAGE_MAX = 100;

export const ListEpochsQuerySchema = z.lazy(() =>
  z.object({
    limit: z._default(
      numberFromText().check(
        z.int(),
        z.minimum(1),
        z.maximum(EPOCH_PAGE_MAX),
        z.describe("Page size, 1-100"),
      ),
      25,
    ),
    cursor: z.optional(
      z.string().check(z.minLength(1), z.maxLength(1024), z.describe("nextCursor of the previous page")),
    ),
    mine: z._default(
      z
        .enum(["true", "false"])
        .check(
          z.describe(
            "true: only the epochs recorded with the calling API key (eventually consistent, about a second " +
              "behind); visits to GET / belong to no key",
          ),
        ),
      "false",
    ),
  }),
);
export type ListEpochsQuery = z.infer<typeof ListEpochsQuerySchema>;

export const EpochPageSchema = z.lazy(() =>
  z
    .object({ items: z.array(EpochSchema), nextCursor: z.nullable(z.string()) })
    .check(z.meta({ id: "EpochPage" })),
);
export type EpochPage = z.infer<typeof EpochPageSchema>;
