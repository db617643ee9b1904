import { randomFillSync } from "node:crypto";
import { v7 } from "uuid";
import type { IdGenerator } from "./ports.ts";

// Random bytes are drawn 4 KiB at a time: one system call per 256 ids instead of one per id.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function random16(): Uint8Array {
  if (offset + 16 > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += 16;
  return pool.subarray(offset - 16, offset);
}

/** UUID version 7: the first 48 bits are the millisecond timestamp, so ids sort by creation time. */
export const uuidV7Generator: IdGenerator = {
  timeOrdered: (atMs) => v7({ msecs: atMs, random: random16() }),
};

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
