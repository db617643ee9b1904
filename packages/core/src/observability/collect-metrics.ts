import type { Clock } from "../shared/ports.ts";

/** What the metrics job reads; implemented over DynamoDB queries (never a Scan). */
export interface MetricsSource {
  /** Epochs whose time-ordered id falls in [fromMs, toMs). */
  countEpochs(fromMs: number, toMs: number): Promise<number>;
  /** Orders currently in each status. */
  countOrdersByStatus(): Promise<Record<string, number>>;
  /** createdAt of the oldest PENDING order, if any. */
  oldestPendingCreatedAt(): Promise<string | undefined>;
  /** DynamoDB's own (approximate, refreshed about every 6 hours) item count and size per table. */
  tableStats(): Promise<{ table: string; itemCount: number; sizeBytes: number }[]>;
  /** Records that the interval starting at `startMs` was published; false if it already was. */
  claimInterval(startMs: number): Promise<boolean>;
}

export interface IntervalFigures {
  interval: { start: string; end: string };
  epochsInInterval: number;
  ordersByStatus: Record<string, number>;
  oldestPendingOrderAgeSeconds: number;
  tables: { table: string; itemCount: number; sizeBytes: number }[];
}

/**
 * Computes the figures for the last complete interval of `periodMs` (aligned to the clock, e.g. 12:05:00 to
 * 12:10:00 for a 5-minute period). Idempotent per interval: a second run for the same interval (a retry, a
 * duplicate schedule) publishes nothing and returns `skipped`.
 */
export async function collectMetrics(
  deps: { source: MetricsSource; clock: Clock },
  periodMs: number,
): Promise<
  { skipped: true; interval: { start: string; end: string } } | ({ skipped: false } & IntervalFigures)
> {
  const nowMs = deps.clock.nowMs();
  const endMs = Math.floor(nowMs / periodMs) * periodMs;
  const startMs = endMs - periodMs;
  const interval = { start: new Date(startMs).toISOString(), end: new Date(endMs).toISOString() };

  // Read first, claim last: a run that fails while reading leaves the interval to its retry.
  const [epochsInInterval, ordersByStatus, oldest, tables] = await Promise.all([
    deps.source.countEpochs(startMs, endMs),
    deps.source.countOrdersByStatus(),
    deps.source.oldestPendingCreatedAt(),
    deps.source.tableStats(),
  ]);
  if (!(await deps.source.claimInterval(startMs))) return { skipped: true, interval };
  const oldestPendingOrderAgeSeconds = oldest
    ? Math.max(0, Math.round((nowMs - Date.parse(oldest)) / 1000))
    : 0;
  return { skipped: false, interval, epochsInInterval, ordersByStatus, oldestPendingOrderAgeSeconds, tables };
}
