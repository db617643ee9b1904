import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { fromOrderItem } from "@meridian/adapters";
import {
  BusinessMetric,
  type Clock,
  type Logger,
  type MetricsEmitter,
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
}

function orderOf(record: DynamoDBRecord) {
  const image = record.dynamodb?.NewImage;
  if (!image) throw new Error("record has no NewImage (the stream must carry new images)");
  const parsed = OrderSchema.safeParse(fromOrderItem(unmarshall(image as Record<string, AttributeValue>)));
  if (!parsed.success) throw new Error(`NewImage is not an order: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Orders of one batch reserved at the same time; they are independent of each other. */
export const ORDER_CONCURRENCY = 8;

async function processRecord(deps: OrderStreamDeps, record: DynamoDBRecord, coldStart: boolean) {
  if (record.eventName !== "INSERT") return undefined;
  const order = orderOf(record);
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
 * anything else (an order no longer PENDING, a re-delivery) is skipped. Orders are independent, so a
 * batch is worked on ORDER_CONCURRENCY at a time. Failed records are reported (ReportBatchItemFailures):
 * Lambda retries from the lowest failed sequence number, and re-delivered successes are skipped, so
 * nothing is processed twice. After the configured retries a failing record goes to the dead-letter
 * destination and the rest of the batch carries on.
 */
export async function processOrderBatch(
  deps: OrderStreamDeps,
  event: DynamoDBStreamEvent,
): Promise<DynamoDBBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  const outcomes = { CONFIRMED: 0, REJECTED: 0, SKIPPED: 0 };
  const coldStart = takeColdStart();
  let next = 0;
  const worker = async () => {
    while (next < event.Records.length) {
      const record = event.Records[next++] as DynamoDBRecord;
      try {
        const result = await processRecord(deps, record, coldStart);
        if (result) outcomes[result] += 1;
      } catch (error) {
        const itemIdentifier = record.dynamodb?.SequenceNumber ?? "";
        deps.logger.error("order record failed", { sequenceNumber: itemIdentifier, error });
        failures.push({ itemIdentifier });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ORDER_CONCURRENCY, event.Records.length) }, worker));
  deps.metrics.emit({ service: SERVICE.orderStream }, [
    { name: BusinessMetric.OrdersConfirmed, value: outcomes.CONFIRMED, unit: "Count" },
    { name: BusinessMetric.OrdersRejected, value: outcomes.REJECTED, unit: "Count" },
    // Each rejection is one stock-out: the first line that could not be reserved.
    { name: BusinessMetric.StockOuts, value: outcomes.REJECTED, unit: "Count" },
    ...(coldStart ? [{ name: BusinessMetric.ColdStart, value: 1, unit: "Count" as const }] : []),
  ]);
  return { batchItemFailures: failures };
}
