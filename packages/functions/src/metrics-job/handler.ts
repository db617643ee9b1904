import { SERVICE } from "@meridian/core";
import { loadMetricsJobConfig } from "../config.ts";
import { installSourceMappedStacks } from "../stack-traces.ts";
import { loadTracing } from "../tracing/tracing.ts";
import { createMetricsJobHandler } from "../wiring.ts";

installSourceMappedStacks();
const config = loadMetricsJobConfig();

/** EventBridge schedule entry point: publishes the last interval's metrics. */
export const handler = createMetricsJobHandler(config, {
  tracing: await loadTracing({ enabled: config.tracingEnabled, service: SERVICE.metricsJob }),
});
