export { S3Error } from "./errors.ts";
export { eventKey, type ObjectCreatedEventName, type ObjectCreatedListener } from "./events.ts";
export { type S3StoreOptions, S3StoreOptionsError } from "./options.ts";
export { type S3Store, startS3Store } from "./server.ts";
export type { S3Credentials } from "./sigv4.ts";
