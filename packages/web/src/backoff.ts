/** How long the client waits before retrying a 503, a 429 or a network failure, and how often pages poll. */

export const RETRY = { baseMs: 1_000, maxMs: 30_000, attempts: 6 } as const;

/**
 * The wait in milliseconds before retry number `attempt` (1 for the first retry). A `Retry-After` header wins
 * when it parses (seconds, or an HTTP date), capped at `RETRY.maxMs`; otherwise the wait doubles from
 * `RETRY.baseMs` with "full jitter" (a random share of the step, so many open dashboards do not retry in step).
 *
 * @example
 * retryDelayMs(1, "3") // 3000
 * retryDelayMs(3, null, () => 1) // 4000
 */
export function retryDelayMs(
  attempt: number,
  retryAfter: string | null | undefined,
  random: () => number = Math.random,
  now: number = Date.now(),
): number {
  const fromHeader = parseRetryAfterMs(retryAfter, now);
  if (fromHeader !== undefined) return Math.min(fromHeader, RETRY.maxMs);
  const step = Math.min(RETRY.maxMs, RETRY.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(RETRY.baseMs / 2, Math.round(step * random()));
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(value: string | null | undefined, now: number = Date.now()) {
  if (value === null || value === undefined || value.trim() === "") return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1_000;
  // An HTTP date names its weekday and month; Date.parse alone would take "-1" for a year.
  if (!/[a-z]/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Poll periods of the pages, in milliseconds. */
export const POLL = {
  epochs: 15_000,
  metrics: 60_000,
  ordersPending: 2_000,
  ordersPendingSlow: 10_000,
  ordersIdle: 60_000,
  /** How long orders are polled every 2 s before slowing to every 10 s. */
  ordersFastWindow: 60_000,
  image: 1_000,
  imageGiveUp: 60_000,
} as const;

/**
 * The orders page's next poll: every 2 s while an order is PENDING, every 10 s once that has gone on for a
 * minute (the stream processor is slow or stuck: no point hammering the API), every 60 s with none pending.
 *
 * @param pendingSince when the page first saw a PENDING order in the current run of them (ms), or undefined
 */
export function ordersPollMs(pendingSince: number | undefined, now: number = Date.now()): number {
  if (pendingSince === undefined) return POLL.ordersIdle;
  return now - pendingSince < POLL.ordersFastWindow ? POLL.ordersPending : POLL.ordersPendingSlow;
}
