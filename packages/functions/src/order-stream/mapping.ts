/**
 * The order processor's event source mapping, in one place: the CDK app and the sandbox's stream runner
 * both read it, so local runs follow the same rules as Lambda.
 */
export const orderStreamMapping = {
  name: "order-stream",
  batchSize: 25,
  maximumBatchingWindowSeconds: 0,
  /** After this many retries a batch goes to the dead-letter destination. */
  maximumRetryAttempts: 3,
  /** Lambda's minimum is 60 s; an order older than an hour is better looked at by a person. */
  maximumRecordAgeSeconds: 3600,
  bisectBatchOnFunctionError: true,
  reportBatchItemFailures: true,
  /** Only new PENDING orders invoke the processor (Lambda event filtering pattern). */
  filters: [{ eventName: ["INSERT"], dynamodb: { NewImage: { status: { S: ["PENDING"] } } } }],
} as const;
