import { createHash } from "node:crypto";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { DependencyUnavailableError, IdempotencyKeyReusedError, type IdempotencyToken } from "@meridian/core";
import { dynamo } from "./errors.ts";
import { TTL_ATTRIBUTE } from "./tables.ts";

const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/** The record's own part of an idempotent write, in the same table as its idempotency record. */
export type RecordWrite =
  | { Put: { Item: Record<string, unknown>; ConditionExpression?: string } }
  | {
      Update: {
        Key: Record<string, unknown>;
        UpdateExpression: string;
        ConditionExpression?: string;
        ExpressionAttributeValues?: Record<string, unknown>;
      };
    };

export interface IdempotentWrite {
  tableName: string;
  /** Partition key attribute of the table (the idempotency record uses it too). */
  keyAttribute: string;
  /** Sort key of the idempotency record, for tables that have one (e.g. `{ sk: "IDEM" }`). */
  sortKey?: Record<string, string>;
  /** The write itself: a new item (written only if absent), or an update with its own condition. */
  write: RecordWrite;
  /** Id of the record being written; stored so a retry can find the first record. */
  recordId: string;
  token: IdempotencyToken;
  nowMs: number;
  /** Thrown when the write's own condition fails (an update's), not the idempotency record's. */
  conditionFailed?: () => Error;
  /** More writes of the same transaction (any table), e.g. a counter the record must stay within. */
  also?: NonNullable<TransactWriteCommandInput["TransactItems"]>;
  /** Thrown when one of `also` fails its condition or collides with another write. */
  alsoFailed?: () => Error;
}

/** The digest-keyed item that records one idempotency token. */
function idempotencyKey(keyAttribute: string, token: IdempotencyToken, sortKey?: Record<string, string>) {
  const digest = createHash("sha256").update(`${token.scope}\0${token.key}`).digest("base64url");
  return { [keyAttribute]: `IDEM#${digest}`, ...sortKey };
}

/**
 * The id of the record a token wrote, if it wrote one; a different request fingerprint is refused
 * (`IdempotencyKeyReusedError`), as in `writeIdempotent`.
 */
export async function recordWrittenWith(
  db: DynamoDBDocumentClient,
  request: Pick<IdempotentWrite, "tableName" | "keyAttribute" | "sortKey" | "token">,
): Promise<string | undefined> {
  const Key = idempotencyKey(request.keyAttribute, request.token, request.sortKey);
  const { Item } = await dynamo(() =>
    db.send(new GetCommand({ TableName: request.tableName, Key, ConsistentRead: true })),
  );
  if (!Item) return undefined;
  if (Item.fingerprint !== request.token.fingerprint) throw new IdempotencyKeyReusedError();
  return String(Item.recordId);
}

/**
 * Applies `write` and stores an idempotency record in one transaction. If the token was used before,
 * nothing is written and the first record's id is returned (`replayed`); a different request fingerprint
 * is refused. Idempotency records expire after 24 hours (TTL).
 */
export async function writeIdempotent(
  db: DynamoDBDocumentClient,
  request: IdempotentWrite,
): Promise<{ recordId: string; replayed: boolean }> {
  const { tableName, keyAttribute, token } = request;
  const idemKey = idempotencyKey(keyAttribute, token, request.sortKey);
  const notThere = `attribute_not_exists(${keyAttribute})`;
  const write =
    "Put" in request.write
      ? { Put: { ConditionExpression: notThere, ...request.write.Put, TableName: tableName } }
      : { Update: { ...request.write.Update, TableName: tableName } };
  try {
    await dynamo(() =>
      db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: tableName,
                Item: {
                  ...idemKey,
                  fingerprint: token.fingerprint,
                  recordId: request.recordId,
                  [TTL_ATTRIBUTE]: Math.floor(request.nowMs / 1000) + IDEMPOTENCY_TTL_SECONDS,
                },
                ConditionExpression: notThere,
              },
            },
            write,
            ...(request.also ?? []),
          ],
        }),
      ),
    );
    return { recordId: request.recordId, replayed: false };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    const [idem, own, ...also] = (error.CancellationReasons ?? []).map((reason) => reason.Code);
    if (idem !== "ConditionalCheckFailed" && own === "ConditionalCheckFailed" && request.conditionFailed)
      throw request.conditionFailed();
    if (
      idem !== "ConditionalCheckFailed" &&
      request.alsoFailed &&
      also.some((code) => code === "ConditionalCheckFailed" || code === "TransactionConflict")
    )
      throw request.alsoFailed();
    // The key was used before, or a concurrent request with the same key is committing: read the winner.
    const recordId = await recordWrittenWith(db, request);
    if (recordId === undefined) throw new DependencyUnavailableError("database", { cause: error });
    return { recordId, replayed: true };
  }
}
