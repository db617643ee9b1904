import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
  TransactionConflictException,
} from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import {
  AllowanceChangedError,
  BUDGETS,
  DependencyUnavailableError,
  type IdempotencyToken,
  type Order,
  type OrderAllowance,
  OrderSchema,
  type OrderStatus,
  type OrderStore,
  type ReservationOutcome,
} from "@meridian/core";
import { afterConflict, dynamo } from "./errors.ts";
import { recordWrittenWith, writeIdempotent } from "./idempotency.ts";
import { TTL_ATTRIBUTE } from "./tables.ts";

const RESERVE_ATTEMPTS = 8;

export const orderKey = (id: string) => ({ pk: `ORDER#${id}` });
/** A customer's order allowance (see OrderLimits): no `status`, so no index holds it and no stream filter passes it. */
export const allowanceKey = (customerId: string) => ({ pk: `ALLOWANCE#${customerId}` });
/** An allowance outlives its day by a day, then TTL removes it (a missing one is a fresh one). */
const ALLOWANCE_TTL_SECONDS = 2 * 24 * 60 * 60;

/** An order item as stored (and as the stream's NewImage carries it, once unmarshalled). */
export function toOrderItem(order: Order): Record<string, unknown> {
  return { ...orderKey(order.id), ...order };
}

export function fromOrderItem(item: Record<string, unknown>): Order {
  const { pk: _pk, ...order } = item;
  return order as Order;
}

/** Partition keys of order items start with this (`ORDER#<id>`); anything else on the table is not an order. */
const ORDER_KEY_PREFIX = orderKey("").pk;

/** The images of a DynamoDB Streams record (Lambda's `record.dynamodb`), in DynamoDB JSON. */
export interface StreamImages {
  Keys?: { pk?: { S?: string } };
  NewImage?: Record<string, unknown>;
}

/** A stream record's order, or why the record holds none (never the item's values). */
export type OrderFromStream = { order: Order } | { skip: string };

/**
 * Decodes the order a stream record's new image holds: the inverse of `toOrderItem` as the stream carries
 * it. Anything that is not an order item (an idempotency record, an allowance, a foreign or test item, an
 * image that is not DynamoDB JSON) is `skip`, with the reason. An order item that does not parse, or an
 * order's record without its new image, is an order and broken: that throws, so the stream processor's
 * record is retried and ends in the dead-letter destination for a person to look at.
 */
export function orderFromStreamImage(images: StreamImages): OrderFromStream {
  const image = images.NewImage;
  // An order's record without its image (a stream switched to KEYS_ONLY) cannot be processed, and must not
  // leave the order PENDING quietly: it fails, and reaches the dead-letter destination.
  if (!image && images.Keys?.pk?.S?.startsWith(ORDER_KEY_PREFIX))
    throw new Error("order record has no NewImage");
  if (!image) return { skip: "no NewImage" };
  let item: Record<string, unknown>;
  try {
    item = unmarshall(image as Record<string, AttributeValue>);
  } catch {
    return { skip: "NewImage is not DynamoDB JSON" };
  }
  if (typeof item.pk !== "string" || !item.pk.startsWith(ORDER_KEY_PREFIX)) {
    return { skip: "not an order item (pk is not ORDER#<id>)" };
  }
  const parsed = OrderSchema.safeParse(fromOrderItem(item));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // The field and zod's message name what is wrong without repeating the item's values.
    throw new Error(`order item does not parse: ${issue?.path.join(".") || "(item)"}: ${issue?.message}`);
  }
  return { order: parsed.data };
}

/**
 * Orders keyed by `ORDER#<id>`, with sparse GSIs byCustomer (customerId, id) and byStatus (status, id).
 * Stock reservation and cancellation are single transactions across the orders and catalog tables.
 */
export class DynamoOrderStore implements OrderStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly catalogTableName: string,
    private readonly nowMs: () => number = Date.now,
  ) {}

  async create(
    order: Order,
    { allowance, token }: { allowance?: OrderAllowance; token?: IdempotencyToken } = {},
  ): Promise<{ order: Order; replayed: boolean }> {
    const counts = allowance ? [this.allowancePut(order.customerId, allowance)] : [];
    if (!token) {
      try {
        await dynamo(() =>
          this.db.send(
            new TransactWriteCommand({
              TransactItems: [
                {
                  Put: {
                    TableName: this.tableName,
                    Item: toOrderItem(order),
                    ConditionExpression: "attribute_not_exists(pk)",
                  },
                },
                ...counts,
              ],
            }),
          ),
        );
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const code = error.CancellationReasons?.[1]?.Code;
        if (code === "ConditionalCheckFailed" || code === "TransactionConflict")
          throw new AllowanceChangedError();
        throw new DependencyUnavailableError("database", { cause: error });
      }
      return { order, replayed: false };
    }
    const { recordId, replayed } = await writeIdempotent(this.db, {
      tableName: this.tableName,
      keyAttribute: "pk",
      write: { Put: { Item: toOrderItem(order) } },
      recordId: order.id,
      token,
      nowMs: this.nowMs(),
      also: counts,
      alsoFailed: () => new AllowanceChangedError(),
    });
    if (!replayed) return { order, replayed };
    const first = await this.get(recordId);
    if (!first) throw new DependencyUnavailableError("database");
    return { order: first, replayed };
  }

  async placedWith(token: IdempotencyToken): Promise<Order | undefined> {
    const recordId = await recordWrittenWith(this.db, {
      tableName: this.tableName,
      keyAttribute: "pk",
      token,
    });
    return recordId === undefined ? undefined : this.get(recordId);
  }

  async getAllowance(customerId: string): Promise<OrderAllowance | undefined> {
    const { Item } = await dynamo(() =>
      this.db.send(
        new GetCommand({ TableName: this.tableName, Key: allowanceKey(customerId), ConsistentRead: true }),
      ),
    );
    if (!Item) return undefined;
    return {
      day: String(Item.day),
      openOrders: Number(Item.openOrders),
      units: (Item.units ?? {}) as Record<string, number>,
      placedAtMs: (Item.placedAtMs ?? []) as number[],
      version: Number(Item.version),
    };
  }

  async saveAllowance(customerId: string, allowance: OrderAllowance): Promise<boolean> {
    try {
      await dynamo(() => this.db.send(new PutCommand(this.allowancePut(customerId, allowance).Put)));
      return true;
    } catch (error) {
      // Written meanwhile, or in one of the same customer's transactions right now: read it again.
      if (error instanceof ConditionalCheckFailedException || error instanceof TransactionConflictException)
        return false;
      throw error;
    }
  }

  /** The allowance at `version + 1`, written only over `version` (or where there is none, for version 0). */
  private allowancePut(customerId: string, allowance: OrderAllowance) {
    const { version, ...counts } = allowance;
    const expires = Math.floor(Date.parse(`${counts.day}T00:00:00Z`) / 1000) + ALLOWANCE_TTL_SECONDS;
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...allowanceKey(customerId), ...counts, version: version + 1, [TTL_ATTRIBUTE]: expires },
        ...(version === 0
          ? { ConditionExpression: "attribute_not_exists(pk)" }
          : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": version } }),
      },
    };
  }

  async get(id: string): Promise<Order | undefined> {
    const { Item } = await dynamo(() =>
      this.db.send(new GetCommand({ TableName: this.tableName, Key: orderKey(id), ConsistentRead: true })),
    );
    return Item ? fromOrderItem(Item) : undefined;
  }

  listByCustomer(customerId: string, limit: number, beforeId?: string): Promise<Order[]> {
    return this.query("byCustomer", "customerId", customerId, limit, beforeId);
  }

  listByStatus(status: OrderStatus, limit: number, beforeId?: string): Promise<Order[]> {
    return this.query("byStatus", "status", status, limit, beforeId);
  }

  private async query(index: string, attribute: string, value: string, limit: number, beforeId?: string) {
    const page = await dynamo(() =>
      this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: index,
          KeyConditionExpression: beforeId ? "#k = :v AND id < :before" : "#k = :v",
          ExpressionAttributeNames: { "#k": attribute },
          ExpressionAttributeValues: beforeId ? { ":v": value, ":before": beforeId } : { ":v": value },
          ScanIndexForward: false,
          Limit: limit,
        }),
      ),
    );
    return (page.Items ?? []).map(fromOrderItem);
  }

  async reserve(order: Order, atIso: string): Promise<ReservationOutcome> {
    // Orders for the same product commit one at a time; a transaction that collides with another is
    // cancelled with TransactionConflict and simply tried again after a short random pause, but not after
    // one call's budget: a conflict is normally answered at once, and a slow table must not stretch the
    // record past what the batch's budget counts on (BUDGETS.orderStream.callsPerRecord).
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryReserve(order, atIso);
      if (outcome !== "CONFLICT") return outcome;
      if (attempt >= RESERVE_ATTEMPTS || Date.now() - started > BUDGETS.orderStream.call.totalMs)
        throw new DependencyUnavailableError("database");
      await afterConflict(attempt);
    }
  }

  private async tryReserve(order: Order, atIso: string): Promise<ReservationOutcome | "CONFLICT"> {
    try {
      await dynamo(() =>
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              ...order.lines.map((line) => ({
                Update: {
                  TableName: this.catalogTableName,
                  Key: { id: line.productId },
                  UpdateExpression: "SET stock = stock - :q",
                  ConditionExpression: "stock >= :q",
                  ExpressionAttributeValues: { ":q": line.quantity },
                },
              })),
              {
                Update: {
                  TableName: this.tableName,
                  Key: orderKey(order.id),
                  UpdateExpression: "SET #s = :confirmed, updatedAt = :at",
                  ConditionExpression: "#s = :pending",
                  ExpressionAttributeNames: { "#s": "status" },
                  ExpressionAttributeValues: {
                    ":confirmed": "CONFIRMED",
                    ":pending": "PENDING",
                    ":at": atIso,
                  },
                },
              },
            ],
          }),
        ),
      );
      return { result: "CONFIRMED" };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = (i: number) => reasons[i]?.Code === "ConditionalCheckFailed";
      // The order is no longer PENDING: processed before (re-delivery) or cancelled. Nothing to do.
      if (failed(order.lines.length)) return { result: "SKIPPED" };
      const short = order.lines.findIndex((_, i) => failed(i));
      if (short < 0) {
        if (reasons.some((r) => r.Code === "TransactionConflict")) return "CONFLICT";
        throw new DependencyUnavailableError("database", { cause: error });
      }
      const productId = order.lines[short]?.productId ?? "unknown";
      const rejected = await this.setStatus(order.id, "PENDING", "REJECTED", atIso, {
        reason: "OUT_OF_STOCK",
        reasonDetail: productId,
      });
      return rejected ? { result: "REJECTED", productId } : { result: "SKIPPED" };
    }
  }

  async cancel(order: Order, atIso: string): Promise<Order | undefined> {
    if (order.status === "PENDING") return this.setStatus(order.id, "PENDING", "CANCELLED", atIso);
    if (order.status !== "CONFIRMED") return undefined;
    try {
      await dynamo(() =>
        this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.tableName,
                  Key: orderKey(order.id),
                  UpdateExpression: "SET #s = :cancelled, updatedAt = :at",
                  ConditionExpression: "#s = :confirmed",
                  ExpressionAttributeNames: { "#s": "status" },
                  ExpressionAttributeValues: {
                    ":cancelled": "CANCELLED",
                    ":confirmed": "CONFIRMED",
                    ":at": atIso,
                  },
                },
              },
              ...order.lines.map((line) => ({
                Update: {
                  TableName: this.catalogTableName,
                  Key: { id: line.productId },
                  UpdateExpression: "SET stock = stock + :q",
                  ConditionExpression: "attribute_exists(id)",
                  ExpressionAttributeValues: { ":q": line.quantity },
                },
              })),
            ],
          }),
        ),
      );
      return { ...order, status: "CANCELLED", updatedAt: atIso };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      if (error.CancellationReasons?.[0]?.Code === "ConditionalCheckFailed") return undefined;
      throw new DependencyUnavailableError("database", { cause: error });
    }
  }

  /** Conditional status change; undefined when the order was not in `from`. */
  private async setStatus(
    id: string,
    from: OrderStatus,
    to: OrderStatus,
    atIso: string,
    extra: Record<string, string> = {},
  ): Promise<Order | undefined> {
    const fields = Object.keys(extra);
    try {
      const { Attributes } = await dynamo(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: orderKey(id),
            UpdateExpression: `SET ${["#s = :to", "updatedAt = :at", ...fields.map((f) => `${f} = :${f}`)].join(", ")}`,
            ConditionExpression: "#s = :from",
            ExpressionAttributeNames: { "#s": "status" },
            ExpressionAttributeValues: {
              ":to": to,
              ":from": from,
              ":at": atIso,
              ...Object.fromEntries(fields.map((f) => [`:${f}`, extra[f]])),
            },
            ReturnValues: "ALL_NEW",
          }),
        ),
      );
      return Attributes ? fromOrderItem(Attributes) : undefined;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }
}
