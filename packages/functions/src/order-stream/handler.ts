import { loadOrderStreamConfig } from "../config.ts";
import { createOrderStreamHandler } from "../wiring.ts";

/** DynamoDB Streams entry point (event source mapping with ReportBatchItemFailures). */
export const handler = createOrderStreamHandler(loadOrderStreamConfig());
