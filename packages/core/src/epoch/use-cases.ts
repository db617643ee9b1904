import type { CursorCodec } from "../shared/cursor.ts";
import { NotFoundError } from "../shared/errors.ts";
import { idempotencyToken } from "../shared/idempotency.ts";
import { isUuid } from "../shared/ids.ts";
import { paginate } from "../shared/pagination.ts";
import type { Clock, IdGenerator } from "../shared/ports.ts";
import type { Epoch, EpochPage, ListEpochsQuery, RecordEpochBody } from "./epoch.ts";
import type { EpochStore } from "./ports.ts";

export interface EpochDeps {
  epochs: EpochStore;
  clock: Clock;
  ids: IdGenerator;
  cursors: CursorCodec;
}

export interface RecordEpochCommand {
  ip: string;
  body: RecordEpochBody;
  /** The API key that records it (`GET /epochs?mine=true` lists by it); unset for a public visit. */
  keyId?: string;
  /** The client's Idempotency-Key, scoped to its API key (`keyId`, which it then requires). */
  idempotencyKey?: string;
}

/**
 * Records the current instant for a caller. With an idempotency key, a retry returns the first record.
 *
 * @example
 * const { epoch, replayed } = await recordEpoch(deps, { ip: "192.0.2.1", body: {} });
 */
export async function recordEpoch(
  deps: EpochDeps,
  command: RecordEpochCommand,
): Promise<{ epoch: Epoch; replayed: boolean }> {
  const nowMs = deps.clock.nowMs();
  const epoch: Epoch = { id: deps.ids.timeOrdered(nowMs), epoch: nowMs / 1000, ip: command.ip };
  if (command.body.label !== undefined) epoch.label = command.body.label;

  if (command.idempotencyKey === undefined) {
    await deps.epochs.put(epoch, command.keyId);
    return { epoch, replayed: false };
  }
  if (command.keyId === undefined) throw new TypeError("an idempotent epoch needs the keyId that scopes it");
  const token = idempotencyToken(command.keyId, command.idempotencyKey, command.body);
  return deps.epochs.putOnce(epoch, token, command.keyId);
}

export async function getEpoch(deps: Pick<EpochDeps, "epochs">, id: string): Promise<Epoch> {
  const epoch = isUuid(id) ? await deps.epochs.get(id) : undefined;
  if (!epoch) throw new NotFoundError("Epoch", id);
  return epoch;
}

/**
 * Newest epochs first, one page at a time: all of them, or with `mine` only those the caller's API key
 * (`keyId`) recorded. The cursor is signed and bound to its listing, so a page of one key's listing cannot be
 * continued in another key's, nor in the full one.
 */
export async function listEpochs(
  deps: Pick<EpochDeps, "epochs" | "cursors">,
  query: ListEpochsQuery,
  keyId: string,
): Promise<EpochPage> {
  if (query.mine === "true") {
    return paginate(deps.cursors, `epochs:key:${keyId}`, "before", query, (limit, before) =>
      deps.epochs.listNewestByKey(keyId, limit, before),
    );
  }
  return paginate(deps.cursors, "epochs", "before", query, (limit, before) =>
    deps.epochs.listNewest(limit, before),
  );
}
