import type {
  AttributeValue as SdkAttributeValue,
  _Record as SdkRecord,
} from "@aws-sdk/client-dynamodb-streams";
import type { AttributeValue, DynamoDBRecord, StreamRecord } from "aws-lambda";

/**
 * A stream record exactly as Lambda hands it to a function: GetRecords' record in the marshalled
 * AttributeValue JSON form, plus `eventSourceARN`. Lambda's event has these fields always set.
 */
export type LambdaStreamRecord = DynamoDBRecord & {
  eventID: string;
  eventName: "INSERT" | "MODIFY" | "REMOVE";
  eventSourceARN: string;
  dynamodb: StreamRecord & { SequenceNumber: string; ApproximateCreationDateTime: number };
};

type AttributeMap = Record<string, AttributeValue>;

/** SDK AttributeValue (binary as Uint8Array) → the JSON wire form Lambda delivers (binary as base64). */
export function toWireAttribute(value: SdkAttributeValue): AttributeValue {
  if (value.S !== undefined) return { S: value.S };
  if (value.N !== undefined) return { N: value.N };
  if (value.B !== undefined) return { B: Buffer.from(value.B).toString("base64") };
  if (value.BOOL !== undefined) return { BOOL: value.BOOL };
  if (value.NULL !== undefined) return { NULL: value.NULL };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  if (value.BS !== undefined) return { BS: value.BS.map((b) => Buffer.from(b).toString("base64")) };
  if (value.L !== undefined) return { L: value.L.map(toWireAttribute) };
  if (value.M !== undefined) return { M: toWireMap(value.M) };
  // DynamoDB Local's streams render an empty map as `{}` where DynamoDB's give `{"M":{}}`; nothing else is
  // empty, and a record that cannot be converted would hold up its shard for good.
  if (Object.keys(value).length === 0) return { M: {} };
  throw new Error(`Unsupported AttributeValue in stream record: ${JSON.stringify(value)}`);
}

function toWireMap(map: Record<string, SdkAttributeValue>): AttributeMap {
  const out: AttributeMap = {};
  for (const [key, value] of Object.entries(map)) out[key] = toWireAttribute(value);
  return out;
}

/**
 * Turns one GetRecords record into the record of a Lambda `DynamoDBStreamEvent`. Field order follows
 * Lambda's events; `ApproximateCreationDateTime` becomes epoch seconds like in Lambda (the SDK parses it
 * into a Date).
 */
export function toLambdaRecord(record: SdkRecord, streamArn: string): LambdaStreamRecord {
  const source = record.dynamodb;
  if (!record.eventID || !record.eventName || !source?.SequenceNumber) {
    throw new Error(`Malformed stream record from GetRecords: ${JSON.stringify(record)}`);
  }
  const created = source.ApproximateCreationDateTime;
  const dynamodb: LambdaStreamRecord["dynamodb"] = {
    ApproximateCreationDateTime: created ? created.getTime() / 1000 : Math.floor(Date.now() / 1000),
    Keys: toWireMap(source.Keys ?? {}),
    SequenceNumber: source.SequenceNumber,
  };
  if (source.NewImage) dynamodb.NewImage = toWireMap(source.NewImage);
  if (source.OldImage) dynamodb.OldImage = toWireMap(source.OldImage);
  if (source.SizeBytes !== undefined) dynamodb.SizeBytes = source.SizeBytes;
  if (source.StreamViewType) dynamodb.StreamViewType = source.StreamViewType;

  const out: LambdaStreamRecord = {
    eventID: record.eventID,
    eventName: record.eventName,
    eventVersion: record.eventVersion ?? "1.1",
    eventSource: record.eventSource ?? "aws:dynamodb",
    awsRegion: record.awsRegion,
    dynamodb,
    eventSourceARN: streamArn,
  };
  // Present on TTL deletions: { type: "Service", principalId: "dynamodb.amazonaws.com" }.
  if (record.userIdentity) out.userIdentity = { ...record.userIdentity };
  return out;
}

/** Sequence numbers are decimal strings of up to 40 digits; compare them as integers. */
export function compareSequenceNumbers(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
