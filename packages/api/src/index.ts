export * from "./app.ts";
export * from "./env.ts";
export * from "./errors.ts";
export * from "./middleware/jwt-auth.ts";
