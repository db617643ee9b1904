import { createHash } from "node:crypto";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { DependencyUnavailableError, IdempotencyKeyReusedError, type IdempotencyToken } from "@meridian/core";
import { dynamo } from "./errors.ts";
import { TTL_ATTRIBUTE } from "./tables.ts";

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export interface IdempotentPut {
  tableName: string;
  /** Partition key attribute of the table (the idempotency record uses it too). */
  keyAttribute: string;
  /** Sort key of the idempotency record, for tables that have one (e.g. `{ sk: "IDEM" }`). */
  sortKey?: Record<string, string>;
  item: Record<string, unknown>;
  /** Id of the record being written; stored so a retry can find the first record. */
  recordId: string;
  token: IdempotencyToken;
  nowMs: number;
}

/**
 * Writes `item` and an idempotency record in one transaction. If the token was used before, nothing is
 * written and the first record's id is returned (`replayed`); a different body fingerprint is refused.
 * Idempotency records expire after 24 hours (TTL).
 */
export async function putIdempotent(
  db: DynamoDBDocumentClient,
  put: IdempotentPut,
): Promise<{ recordId: string; replayed: boolean }> {
  const digest = createHash("sha256").update(`${put.token.scope}\0${put.token.key}`).digest("base64url");
  const idemKey = { [put.keyAttribute]: `IDEM#${digest}`, ...put.sortKey };
  const notThere = `attribute_not_exists(${put.keyAttribute})`;
  try {
    await dynamo(() =>
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: put.tableName,
                Item: {
                  ...idemKey,
                  fingerprint: put.token.fingerprint,
                  recordId: put.recordId,
                  [TTL_ATTRIBUTE]: Math.floor(put.nowMs / 1000) + IDEMPOTENCY_TTL_SECONDS,
                },
                ConditionExpression: notThere,
              },
            },
            { Put: { TableName: put.tableName, Item: put.item, ConditionExpression: notThere } },
          ],
        }),
      ),
    );
    return { recordId: put.recordId, replayed: false };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    // The key was used before, or a concurrent request with the same key is committing: read the winner.
    const { Item } = await dynamo(() =>
      db.send(new GetCommand({ TableName: put.tableName, Key: idemKey, ConsistentRead: true })),
    );
    if (!Item) throw new DependencyUnavailableError("database", { cause: error });
    if (Item.fingerprint !== put.token.fingerprint) throw new IdempotencyKeyReusedError();
    return { recordId: String(Item.recordId), replayed: true };
  }
}
