export * from "./config.ts";
export * from "./secret.ts";
export * from "./wiring.ts";
