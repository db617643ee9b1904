import type { S3EventRecord } from "aws-lambda";

/** `ObjectCreated:Put` for PutObject, `ObjectCreated:Post` for a browser's POST upload (as S3 names them). */
export type ObjectCreatedEventName = "ObjectCreated:Put" | "ObjectCreated:Post";

export type ObjectCreatedListener = (record: S3EventRecord) => void;

export interface ObjectCreatedFacts {
  eventName: ObjectCreatedEventName;
  region: string;
  bucket: string;
  key: string;
  size: number;
  /** Quoted, as in the ETag header; the event carries it without quotes. */
  etag: string;
  principalId: string;
  sourceIp: string;
  requestId: string;
  hostId: string;
  time: Date;
}

/** S3 URL-encodes keys in notifications as a form does: spaces become `+`, `/` stays. */
export function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
}

/**
 * The listeners of the store's object-created notifications, each given the record S3 would put in the
 * event's `Records` (event version 2.1). Listeners run after the object is committed and after the
 * response is sent, as S3 notifies asynchronously; a listener that throws is reported to `onError`,
 * never to the uploader.
 */
export class ObjectCreatedNotifier {
  private readonly listeners = new Set<ObjectCreatedListener>();
  private sequence = 0n;

  constructor(private readonly onError: (error: unknown, where: string) => void) {}

  /** Adds a listener; the function returned removes it. */
  subscribe(listener: ObjectCreatedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(facts: ObjectCreatedFacts): void {
    if (this.listeners.size === 0) return;
    this.sequence += 1n;
    const record = objectCreatedRecord(facts, this.sequence);
    setImmediate(() => {
      for (const listener of this.listeners) {
        try {
          listener(structuredClone(record));
        } catch (error) {
          this.onError(error, "onObjectCreated listener");
        }
      }
    });
  }
}

export function objectCreatedRecord(facts: ObjectCreatedFacts, sequence: bigint): S3EventRecord {
  return {
    eventVersion: "2.1",
    eventSource: "aws:s3",
    awsRegion: facts.region,
    eventTime: facts.time.toISOString(),
    eventName: facts.eventName,
    userIdentity: { principalId: facts.principalId },
    requestParameters: { sourceIPAddress: facts.sourceIp },
    responseElements: { "x-amz-request-id": facts.requestId, "x-amz-id-2": facts.hostId },
    s3: {
      s3SchemaVersion: "1.0",
      configurationId: "sandbox",
      bucket: {
        name: facts.bucket,
        ownerIdentity: { principalId: facts.principalId },
        arn: `arn:aws:s3:::${facts.bucket}`,
      },
      object: {
        key: eventKey(facts.key),
        size: facts.size,
        eTag: facts.etag.replace(/"/g, ""),
        // S3's sequencer is a hex string that grows for one key; ours grows for every event of the store.
        sequencer: sequence.toString(16).toUpperCase().padStart(16, "0"),
      },
    },
  };
}
