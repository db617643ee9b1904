/** Wall clock, injected so use cases and tests agree on time. */
export interface Clock {
  /** Milliseconds since 1970-01-01T00:00:00Z. */
  nowMs(): number;
}

/** Makes identifiers; time-ordered ids sort by the instant passed in. */
export interface IdGenerator {
  timeOrdered(atMs: number): string;
}

export const systemClock: Clock = { nowMs: () => Date.now() };
