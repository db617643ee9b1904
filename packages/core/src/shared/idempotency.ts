import { createHash } from "node:crypto";

/**
 * Identifies one client request for safe retries: the key is scoped to the caller that sent it (an API
 * key id, a customer, an admin), and the fingerprint is a hash of what was asked, so the same key with
 * another request is refused (IDEMPOTENCY_KEY_REUSED) instead of answered with the first one's result.
 */
export interface IdempotencyToken {
  scope: string;
  key: string;
  /** Hash of the request (its body, and for routes on a resource the operation and the resource). */
  fingerprint: string;
}

/**
 * The token for a request that sent an `Idempotency-Key`.
 *
 * @example
 * idempotencyToken("customer:alice", "cart-123", body); // { scope, key, fingerprint }
 */
export function idempotencyToken(scope: string, key: string, request: unknown): IdempotencyToken {
  const fingerprint = createHash("sha256").update(JSON.stringify(request)).digest("base64url");
  return { scope, key, fingerprint };
}
