export * from "./dynamodb/api-key-store.ts";
export * from "./dynamodb/client.ts";
export * from "./dynamodb/ensure-tables.ts";
export * from "./dynamodb/epoch-store.ts";
export * from "./dynamodb/errors.ts";
export * from "./dynamodb/tables.ts";
