import { loadMetricsJobConfig } from "../config.ts";
import { createMetricsJobHandler } from "../wiring.ts";

/** EventBridge schedule entry point: publishes the last interval's metrics. */
export const handler = createMetricsJobHandler(loadMetricsJobConfig());
