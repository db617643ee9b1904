import { SERVICE } from "@meridian/core";
import { loadOrderStreamConfig } from "../config.ts";
import { installSourceMappedStacks } from "../stack-traces.ts";
import { loadTracing } from "../tracing/tracing.ts";
import { createOrderStreamHandler } from "../wiring.ts";

installSourceMappedStacks();
const config = loadOrderStreamConfig();

/** DynamoDB Streams entry point (event source mapping with ReportBatchItemFailures). */
export const handler = createOrderStreamHandler(config, {
  tracing: await loadTracing({ enabled: config.tracingEnabled, service: SERVICE.orderStream }),
});
