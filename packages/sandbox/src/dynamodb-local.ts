// Kept for existing imports; the engine lives in ./dynamodb/.
export * from "./dynamodb/index.ts";
