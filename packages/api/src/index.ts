export * from "./app.ts";
export * from "./deps.ts";
export * from "./env.ts";
export { type ErrorBody, errorBody } from "./error-handler.ts";
export * from "./errors.ts";
export * from "./middleware/jwt-auth.ts";
export { clientRequestId } from "./middleware/observe.ts";
