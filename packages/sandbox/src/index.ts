export * from "./dynamodb/index.ts";
export * from "./home.ts";
export * from "./issuer.ts";
export * from "./metrics-collector.ts";
export * from "./pretty-logger.ts";
export * from "./running.ts";
export * from "./sandbox.ts";
export * from "./streams/index.ts";
