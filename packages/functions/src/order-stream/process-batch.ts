import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { fromOrderItem, orderKey } from "@meridian/adapters";
import {
  BUDGETS,
  BusinessMetric,
  type Clock,
  type Logger,
  type MetricsEmitter,
  type Order,
  OrderSchema,
  type OrderStore,
  processOrder,
  SERVICE,
  takeColdStart,
} from "@meridian/core";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { noTracing, type Tracing } from "../tracing/tracing.ts";

export interface OrderStreamDeps {
  orders: OrderStore;
  clock: Clock;
  logger: Logger;
  metrics: MetricsEmitter;
  /** Traced, each order is processed in a `## processOrder` subsegment annotated with its ids. */
  tracing?: Tracing;
  /**
   * Records not started within this many milliseconds of the batch's start are handed back (reported as
   * failures, so Lambda delivers them again) instead of running into the function's timeout, which would
   * fail the whole batch. Default `BUDGETS.orderStream.batchMs`.
   */
  batchBudgetMs?: number;
}

/** Partition keys of order items start with this (`ORDER#<id>`); anything else on the table is not an order. */
const ORDER_KEY_PREFIX = orderKey("").pk;

/**
 * The order a stream record carries, or why the record is not the processor's to handle. A record is the
 * processor's when it is a real stream record (it has a sequence number) whose new image is an order item
 * (pk `ORDER#…`); anything else on the stream (an idempotency record, a foreign or test item, a hand-made
 * record) is skipped. An order item that does not parse, or an order's record without its new image, is
 * ours and broken: that throws, so the record is retried and ends in the dead-letter destination for a
 * person to look at.
 */
function orderOf(record: DynamoDBRecord): { order: Order } | { skip: string } {
  if (!record.dynamodb?.SequenceNumber) return { skip: "no SequenceNumber" };
  const image = record.dynamodb.NewImage;
  // An order's record without its image (a stream switched to KEYS_ONLY) cannot be processed, and must not
  // leave the order PENDING quietly: it fails, and reaches the dead-letter destination.
  const key = record.dynamodb.Keys?.pk?.S;
  if (!image && key?.startsWith(ORDER_KEY_PREFIX)) throw new Error("order record has no NewImage");
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

/** Orders of one batch reserved at the same time; they are independent of each other. */
export const ORDER_CONCURRENCY = 8;

async function processRecord(deps: OrderStreamDeps, record: DynamoDBRecord, coldStart: boolean) {
  // MODIFY and REMOVE (the processor's own status updates, cancels) are never work; the mapping filters
  // them out in AWS, and they are expected, so they pass without a word.
  if (record.eventName !== "INSERT") return undefined;
  const owned = orderOf(record);
  if ("skip" in owned) {
    // One line, with what identifies the record and why; never the item itself.
    deps.logger.warn("stream record skipped", {
      sequenceNumber: record.dynamodb?.SequenceNumber,
      eventID: record.eventID,
      reason: owned.skip,
    });
    return "NOT_OURS" as const;
  }
  const { order } = owned;
  const started = deps.clock.nowMs();
  const outcome = await (deps.tracing ?? noTracing).traced("processOrder", () => processOrder(deps, order), {
    orderId: order.id,
    correlationId: order.correlationId,
  });
  // The correlation id is the request id of the POST /orders that placed the order.
  deps.logger.info("order processed", {
    coldStart,
    orderId: order.id,
    outcome: outcome.result,
    ...(outcome.result === "REJECTED" ? { reason: "OUT_OF_STOCK", productId: outcome.productId } : {}),
    correlationId: order.correlationId,
    lagMs: started - Date.parse(order.createdAt),
  });
  return outcome.result;
}

/**
 * Handles one stream batch. New PENDING orders get their stock reserved (CONFIRMED) or are REJECTED;
 * anything else (an order no longer PENDING, a re-delivery) is skipped. Records that are not orders (see
 * `orderOf`) are skipped too, with one WARN line each and the `StreamRecordsSkipped` count, and never
 * reported as failures: retried, they would fail the same way until they reached the dead-letter queue.
 * Orders are independent, so a batch is worked on ORDER_CONCURRENCY at a time. Failed records are
 * reported (ReportBatchItemFailures): Lambda retries from the lowest failed sequence number, and
 * re-delivered successes are skipped, so nothing is processed twice. After the configured retries a
 * failing record goes to the dead-letter destination and the rest of the batch carries on.
 */
export async function processOrderBatch(
  deps: OrderStreamDeps,
  event: DynamoDBStreamEvent,
): Promise<DynamoDBBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  const outcomes = { CONFIRMED: 0, REJECTED: 0, SKIPPED: 0, NOT_OURS: 0 };
  const coldStart = takeColdStart();
  const deadline = deps.clock.nowMs() + (deps.batchBudgetMs ?? BUDGETS.orderStream.batchMs);
  let next = 0;
  let handedBack = 0;
  const worker = async () => {
    while (next < event.Records.length) {
      const record = event.Records[next++] as DynamoDBRecord;
      if (deps.clock.nowMs() >= deadline) {
        const itemIdentifier = record.dynamodb?.SequenceNumber;
        if (itemIdentifier) failures.push({ itemIdentifier });
        handedBack += 1;
        continue;
      }
      try {
        const result = await processRecord(deps, record, coldStart);
        if (result) outcomes[result] += 1;
      } catch (error) {
        const itemIdentifier = record.dynamodb?.SequenceNumber;
        deps.logger.error("order record failed", { sequenceNumber: itemIdentifier, error });
        // `orderOf` lets only records with a sequence number get this far; an empty or missing
        // itemIdentifier would make Lambda fail (and retry) the whole batch.
        if (itemIdentifier) failures.push({ itemIdentifier });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ORDER_CONCURRENCY, event.Records.length) }, worker));
  if (handedBack > 0) {
    deps.logger.warn("batch budget spent: records handed back for retry", {
      handedBack,
      batchSize: event.Records.length,
    });
  }
  deps.metrics.emit({ service: SERVICE.orderStream }, [
    { name: BusinessMetric.OrdersConfirmed, value: outcomes.CONFIRMED, unit: "Count" },
    { name: BusinessMetric.OrdersRejected, value: outcomes.REJECTED, unit: "Count" },
    // Each rejection is one stock-out: the first line that could not be reserved.
    { name: BusinessMetric.StockOuts, value: outcomes.REJECTED, unit: "Count" },
    { name: BusinessMetric.StreamRecordsSkipped, value: outcomes.NOT_OURS, unit: "Count" },
    ...(coldStart ? [{ name: BusinessMetric.ColdStart, value: 1, unit: "Count" as const }] : []),
  ]);
  return { batchItemFailures: failures };
}
