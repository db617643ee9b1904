import type { CursorCodec } from "./cursor.ts";
import { InvalidCursorError } from "./errors.ts";
import { isUuid } from "./ids.ts";

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * One page of a listing ordered by time-ordered ids. The cursor holds the id of the last item returned
 * under `key` (`before` for newest-first listings, `after` for oldest-first), signed and bound to the
 * listing's name. One item more than the page is fetched to know whether a next page exists.
 *
 * @example
 * return paginate(deps.cursors, "epochs", "before", query, (limit, before) => deps.epochs.listNewest(limit, before));
 */
export async function paginate<T extends { id: string }>(
  cursors: CursorCodec,
  listing: string,
  key: "before" | "after",
  query: { limit: number; cursor?: string },
  fetch: (limit: number, boundary: string | undefined) => Promise<T[]>,
): Promise<Page<T>> {
  let boundary: string | undefined;
  if (query.cursor !== undefined) {
    const position = cursors.decode(listing, query.cursor);
    const id = position[key];
    if (typeof id !== "string" || !isUuid(id)) throw new InvalidCursorError();
    boundary = id;
  }
  const found = await fetch(query.limit + 1, boundary);
  const items = found.slice(0, query.limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: found.length > query.limit && last ? cursors.encode(listing, { [key]: last.id }) : null,
  };
}
