export * from "./engine.ts";
export * from "./supervisor.ts";
