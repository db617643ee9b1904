/**
 * Metric names and dimensions, the contract between the code that emits metrics (EMF lines on stdout),
 * the alarms and dashboard in the CDK app, and the sandbox's `/_sandbox/metrics`. Dimensions stay
 * low-cardinality: never ids, IPs or customers.
 */
export const METRICS_NAMESPACE = "Meridian";

/** Per-request metrics of the HTTP function, dimensions `{ service, route }` (route = pattern, e.g. `/epochs/:id`). */
export const HttpMetric = {
  Requests: "Requests",
  /** 5xx responses. */
  Errors: "Errors",
  /** 4xx responses. */
  ClientErrors: "ClientErrors",
  /** Milliseconds from the request entering the app to the response. */
  Latency: "Latency",
} as const;

/** Business events, dimension `{ service }`. */
export const BusinessMetric = {
  EpochsRecorded: "EpochsRecorded",
  OrdersPlaced: "OrdersPlaced",
  OrdersConfirmed: "OrdersConfirmed",
  OrdersRejected: "OrdersRejected",
  /** An order line that could not be reserved (one per rejected order, naming no product). */
  StockOuts: "StockOuts",
  /** Order-stream records that are not orders (no sequence number, no new image, not an order item). */
  StreamRecordsSkipped: "StreamRecordsSkipped",
  ColdStart: "ColdStart",
} as const;

/** Published by the scheduled metrics job, dimension `{ service: "metrics-job" }` unless noted. */
export const JobMetric = {
  /** Epochs whose id falls in the job's interval (counted per shard, no Scan). */
  EpochsInInterval: "EpochsInInterval",
  /** Orders per status, dimension `{ service, status }`. */
  OrdersByStatus: "OrdersByStatus",
  /** Age in seconds of the oldest PENDING order (0 when none). */
  OldestPendingOrderAgeSeconds: "OldestPendingOrderAgeSeconds",
  /** DynamoDB's own item count and size (refreshed by DynamoDB about every 6 hours), dimension `{ service, table }`. */
  TableItemCount: "TableItemCount",
  TableSizeBytes: "TableSizeBytes",
} as const;

export const SERVICE = {
  http: "http",
  orderStream: "order-stream",
  metricsJob: "metrics-job",
  imageProcessor: "image-processor",
} as const;
