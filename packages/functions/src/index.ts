export * from "./config.ts";
export * from "./metrics-job/publish.ts";
export * from "./order-stream/mapping.ts";
export * from "./order-stream/process-batch.ts";
export * from "./secret.ts";
export * from "./stack-traces.ts";
export * from "./tracing/tracing.ts";
export * from "./wiring.ts";
