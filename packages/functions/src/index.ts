export * from "./config.ts";
export * from "./metrics-job/publish.ts";
export * from "./order-stream/mapping.ts";
export * from "./order-stream/reserve-batch.ts";
export * from "./pre-token/admin-gate.ts";
// Not the trigger's wiring: it loads the Cognito client, which the sandbox and the CDK app never need.
export * from "./pre-token/service.ts";
export * from "./secret.ts";
export * from "./stack-traces.ts";
export * from "./tracing/tracing.ts";
export * from "./wiring.ts";
