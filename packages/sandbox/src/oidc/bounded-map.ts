/** An entry that stops counting at `expiresAt` (milliseconds since 1970). */
export interface Expiring {
  expiresAt: number;
}

/**
 * An in-memory map whose entries expire and whose size is capped: when full it drops the expired entries,
 * then the oldest ones (a Map iterates in insertion order), so no flood of sign-ins can grow it unbounded.
 */
export class BoundedMap<V extends Expiring> {
  readonly #entries = new Map<string, V>();

  constructor(
    private readonly max: number,
    private readonly now: () => number,
  ) {}

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, value: V): void {
    if (this.#entries.size >= this.max) {
      const now = this.now();
      for (const [k, v] of this.#entries) if (v.expiresAt <= now) this.#entries.delete(k);
      for (const k of this.#entries.keys()) {
        if (this.#entries.size < this.max) break;
        this.#entries.delete(k);
      }
    }
    this.#entries.set(key, value);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  get size(): number {
    return this.#entries.size;
  }
}
