export * from "./bundle.ts";
export * from "./watch.ts";
