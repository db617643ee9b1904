import type { IdempotencyToken } from "../shared/idempotency.ts";
import type { Epoch } from "./epoch.ts";

export interface EpochStore {
  /** Writes a new epoch (`keyId`: the API key that recorded it); resolves only once it is durably stored. */
  put(epoch: Epoch, keyId?: string): Promise<void>;
  /**
   * Writes the epoch unless the token was seen before, in which case nothing is written and the first
   * record is returned. Throws IdempotencyKeyReusedError when the fingerprint differs.
   */
  putOnce(
    epoch: Epoch,
    token: IdempotencyToken,
    keyId?: string,
  ): Promise<{ epoch: Epoch; replayed: boolean }>;
  get(id: string): Promise<Epoch | undefined>;
  /** Newest first; only epochs whose id sorts before `beforeId` when given. At most `limit` items. */
  listNewest(limit: number, beforeId?: string): Promise<Epoch[]>;
  /** Like `listNewest`, only the epochs written with the API key `keyId`; may lag writes by about a second. */
  listNewestByKey(keyId: string, limit: number, beforeId?: string): Promise<Epoch[]>;
  /** Cheap round trip proving the store is reachable. */
  ping(): Promise<void>;
}
