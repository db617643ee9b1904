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
  /** Present when the client sent an Idempotency-Key; `scope` is the caller's API key id. */
  idempotency?: { scope: string; key: string };
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

  if (!command.idempotency) {
    await deps.epochs.put(epoch);
    return { epoch, replayed: false };
  }
  const { scope, key } = command.idempotency;
  return deps.epochs.putOnce(epoch, idempotencyToken(scope, key, command.body));
}

export async function getEpoch(deps: Pick<EpochDeps, "epochs">, id: string): Promise<Epoch> {
  const epoch = isUuid(id) ? await deps.epochs.get(id) : undefined;
  if (!epoch) throw new NotFoundError("Epoch", id);
  return epoch;
}

const LISTING = "epochs";

/** Newest epochs first, one page at a time; the cursor is signed and bound to this listing. */
export async function listEpochs(
  deps: Pick<EpochDeps, "epochs" | "cursors">,
  query: ListEpochsQuery,
): Promise<EpochPage> {
  return paginate(deps.cursors, LISTING, "before", query, (limit, before) =>
    deps.epochs.listNewest(limit, before),
  );
}
