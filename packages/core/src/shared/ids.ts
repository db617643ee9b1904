import { v7 } from "uuid";
import type { IdGenerator } from "./ports.ts";

/** UUID version 7: the first 48 bits are the millisecond timestamp, so ids sort by creation time. */
export const uuidV7Generator: IdGenerator = {
  timeOrdered: (atMs) => v7({ msecs: atMs }),
};

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
