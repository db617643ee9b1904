import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { fromOrderItem } from "@meridian/adapters";
import { type Clock, OrderSchema, type OrderStore, processOrder } from "@meridian/core";
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";

export interface OrderStreamDeps {
  orders: OrderStore;
  clock: Clock;
  log: (entry: Record<string, unknown>) => void;
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

async function processRecord(deps: OrderStreamDeps, record: DynamoDBRecord): Promise<void> {
  if (record.eventName !== "INSERT") return;
  const order = orderOf(record);
  const started = deps.clock.nowMs();
  const outcome = await processOrder(deps, order);
  deps.log({
    level: "INFO",
    message: "order processed",
    orderId: order.id,
    outcome: outcome.result,
    ...(outcome.result === "REJECTED" ? { reason: "OUT_OF_STOCK", productId: outcome.productId } : {}),
    correlationId: order.correlationId,
    lagMs: started - Date.parse(order.createdAt),
  });
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
  let next = 0;
  const worker = async () => {
    while (next < event.Records.length) {
      const record = event.Records[next++] as DynamoDBRecord;
      try {
        await processRecord(deps, record);
      } catch (error) {
        const itemIdentifier = record.dynamodb?.SequenceNumber ?? "";
        deps.log({
          level: "ERROR",
          message: "order record failed",
          sequenceNumber: itemIdentifier,
          error: error instanceof Error ? error.message : String(error),
        });
        failures.push({ itemIdentifier });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(ORDER_CONCURRENCY, event.Records.length) }, worker));
  return { batchItemFailures: failures };
}
