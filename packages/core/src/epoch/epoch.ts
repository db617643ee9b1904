import * as z from "zod";

/** A recorded instant: who recorded it (IP) and when (seconds since 1970, fractional). */
export const EpochSchema = z
  .object({
    id: z.uuid().describe("Time-ordered UUID (version 7) made by the API"),
    epoch: z.number().describe("Seconds since 1970-01-01T00:00:00Z, with millisecond fraction"),
    ip: z.string().describe("Caller IP as seen by the front door"),
    label: z.string().optional().describe("Free text the client attached"),
  })
  .meta({ id: "Epoch" });
export type Epoch = z.infer<typeof EpochSchema>;

/** Body of `POST /epoch`. Optional: an empty body records the current instant with no label. */
export const RecordEpochBodySchema = z
  .strictObject({
    label: z.string().trim().min(1).max(128).optional().describe("Up to 128 characters"),
  })
  .meta({ id: "RecordEpochBody" });
export type RecordEpochBody = z.infer<typeof RecordEpochBodySchema>;

export const EPOCH_PAGE_MAX = 100;

export const ListEpochsQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(EPOCH_PAGE_MAX).default(25).describe("Page size, 1-100"),
  cursor: z.string().min(1).max(1024).optional().describe("nextCursor of the previous page"),
});
export type ListEpochsQuery = z.infer<typeof ListEpochsQuerySchema>;

export const EpochPageSchema = z
  .object({
    items: z.array(EpochSchema),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: "EpochPage" });
export type EpochPage = z.infer<typeof EpochPageSchema>;
