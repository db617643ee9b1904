import { createDocumentClient, DynamoOrderStore } from "@meridian/adapters";
import { systemClock } from "@meridian/core";
import type { DynamoDBStreamHandler } from "aws-lambda";
import { loadOrderStreamConfig } from "../config.ts";
import { processOrderBatch } from "./process-batch.ts";

const config = loadOrderStreamConfig();
const db = createDocumentClient({ endpoint: config.dynamodbEndpoint, region: config.region });
const deps = {
  orders: new DynamoOrderStore(db, config.tables.orders, config.tables.catalog),
  clock: systemClock,
  log: (entry: Record<string, unknown>) => console.log(JSON.stringify(entry)),
};

/** DynamoDB Streams entry point (event source mapping with ReportBatchItemFailures). */
export const handler: DynamoDBStreamHandler = (event) => processOrderBatch(deps, event);
