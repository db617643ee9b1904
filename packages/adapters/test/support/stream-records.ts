import { marshall } from "@aws-sdk/util-dynamodb";
import type { Order } from "@meridian/core";
import type { AttributeValue, DynamoDBRecord, DynamoDBStreamEvent } from "aws-lambda";
import { toOrderItem } from "../../src/index.ts";

/**
 * Builds the DynamoDB Streams records the orders table carries, for the tests of whatever reads them (the
 * stream image decoder here, the order-stream function, the sandbox), so that no test hand-writes one.
 * Images are `marshall`ed from the item as the table stores it (`toOrderItem` for an order), so a change of
 * the item mapping reaches every test's records. Exported as `@meridian/adapters/testing`.
 *
 * @example
 * const event = streamEvent(orderInsert(order, { sequenceNumber: "100" }));
 * await handler(event, context, () => undefined);
 */
export interface StreamRecordOptions {
  /** Left out, the record has no SequenceNumber (Lambda never sends that; tests check it is survived). */
  sequenceNumber?: string;
  /** Default `ev-<sequenceNumber>`, or `ev-none`. */
  eventID?: string;
  eventName?: "INSERT" | "MODIFY" | "REMOVE";
  /** False: only the keys, as a KEYS_ONLY stream sends them. Default true. */
  newImage?: boolean;
}

type Images = { Keys: Record<string, AttributeValue>; NewImage?: Record<string, AttributeValue> };

/** The keys (`pk`) and new image of `item` in DynamoDB JSON, as a stream record's `dynamodb` holds them. */
export function streamImages(item: Record<string, unknown>, options: { newImage?: boolean } = {}): Images {
  // util-dynamodb's AttributeValue and aws-lambda's describe the same JSON with different type names.
  const images: Images = { Keys: marshall({ pk: item.pk }) as Record<string, AttributeValue> };
  if (options.newImage !== false) {
    images.NewImage = marshall(item, { removeUndefinedValues: true }) as Record<string, AttributeValue>;
  }
  return images;
}

/** The stream record of a write of `item` to the orders table (an INSERT unless told otherwise). */
export function itemStreamRecord(
  item: Record<string, unknown>,
  options: StreamRecordOptions = {},
): DynamoDBRecord {
  const { sequenceNumber, newImage = true } = options;
  return {
    eventID: options.eventID ?? `ev-${sequenceNumber ?? "none"}`,
    eventName: options.eventName ?? "INSERT",
    eventVersion: "1.1",
    eventSource: "aws:dynamodb",
    awsRegion: "us-east-1",
    dynamodb: {
      ...streamImages(item, { newImage }),
      StreamViewType: newImage ? "NEW_AND_OLD_IMAGES" : "KEYS_ONLY",
      ...(sequenceNumber === undefined ? {} : { SequenceNumber: sequenceNumber }),
    },
  };
}

/** The INSERT that placing `order` (stored as `toOrderItem(order)`) puts on the orders table's stream. */
export function orderInsert(
  order: Order,
  options: Omit<StreamRecordOptions, "eventName"> = {},
): DynamoDBRecord {
  return itemStreamRecord(toOrderItem(order), options);
}

export function streamEvent(...records: DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: records };
}
