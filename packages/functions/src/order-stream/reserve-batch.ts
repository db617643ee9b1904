import { type OrderFromStream, orderFromStreamImage } from "@meridian/adapters";
import {
  BUDGETS,
  BusinessMetric,
  type Clock,
  type Logger,
  type MetricsEmitter,
  type OrderStore,
  reserveStock,
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
  /** Traced, each order's reservation is a `## reserveStock` subsegment annotated with its ids. */
  tracing?: Tracing;
  /**
   * Records not started within this many milliseconds of the batch's start are handed back (reported as
   * failures, so Lambda delivers them again) instead of running into the function's timeout, which would
   * fail the whole batch. Default `BUDGETS.orderStream.batchMs`.
   */
  batchBudgetMs?: number;
}

/**
 * The order a stream record carries, or why the record is not the processor's to handle. A record is the
 * processor's when it is a real stream record (it has a sequence number) whose new image is an order item
 * (`orderFromStreamImage`); anything else on the stream is skipped. A broken order item throws there.
 */
function orderOfRecord(record: DynamoDBRecord): OrderFromStream {
  if (!record.dynamodb?.SequenceNumber) return { skip: "no SequenceNumber" };
  return orderFromStreamImage(record.dynamodb);
}

/** Orders of one batch reserved at the same time; they are independent of each other. */
export const ORDER_CONCURRENCY = 8;

async function reserveStockForRecord(deps: OrderStreamDeps, record: DynamoDBRecord, coldStart: boolean) {
  // MODIFY and REMOVE (the processor's own status updates, cancels) are never work; the mapping filters
  // them out in AWS, and they are expected, so they pass without a word.
  if (record.eventName !== "INSERT") return undefined;
  const owned = orderOfRecord(record);
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
  const outcome = await (deps.tracing ?? noTracing).traced("reserveStock", () => reserveStock(deps, order), {
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
 * `orderOfRecord`) are skipped too, with one WARN line each and the `StreamRecordsSkipped` count, and never
 * reported as failures: retried, they would fail the same way until they reached the dead-letter queue.
 * Orders are independent, so a batch is worked on ORDER_CONCURRENCY at a time. Failed records are
 * reported (ReportBatchItemFailures): Lambda retries from the lowest failed sequence number, and
 * re-delivered successes are skipped, so nothing is processed twice. After the configured retries a
 * failing record goes to the dead-letter destination and the rest of the batch carries on. (Powertools
 * Batch runs records all at once or one by one, with no budget: decision 0015.)
 */
export async function reserveStockForBatch(
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
        const result = await reserveStockForRecord(deps, record, coldStart);
        if (result) outcomes[result] += 1;
      } catch (error) {
        const itemIdentifier = record.dynamodb?.SequenceNumber;
        deps.logger.error("order record failed", { sequenceNumber: itemIdentifier, error });
        // `orderOfRecord` lets only records with a sequence number get this far; an empty or missing
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
