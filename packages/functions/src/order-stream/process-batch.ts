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

/**
 * Handles one stream batch in order. New PENDING orders get their stock reserved (CONFIRMED) or are
 * REJECTED; anything else (an order no longer PENDING, a re-delivery) is skipped. The first record that
 * fails is reported with every record after it (ReportBatchItemFailures: Lambda retries from the lowest
 * failed sequence number, so order is kept); after the configured retries it goes to the dead-letter
 * destination and the rest of the batch carries on.
 */
export async function processOrderBatch(
  deps: OrderStreamDeps,
  event: DynamoDBStreamEvent,
): Promise<DynamoDBBatchResponse> {
  for (const record of event.Records) {
    const sequenceNumber = record.dynamodb?.SequenceNumber ?? "";
    try {
      if (record.eventName !== "INSERT") continue;
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
    } catch (error) {
      deps.log({
        level: "ERROR",
        message: "order record failed",
        sequenceNumber,
        error: error instanceof Error ? error.message : String(error),
      });
      return { batchItemFailures: [{ itemIdentifier: sequenceNumber }] };
    }
  }
  return { batchItemFailures: [] };
}
