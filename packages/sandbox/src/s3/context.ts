import type { ObjectCreatedNotifier } from "./events.ts";
import type { FileObjectStore } from "./file-store.ts";
import type { S3Credentials } from "./sigv4.ts";

/** What the operations share: the files, the one key pair, the region and the notifications. */
export interface StoreContext {
  store: FileObjectStore;
  credentials: S3Credentials;
  region: string;
  /** `http://127.0.0.1:<port>`, for Location headers. */
  endpoint: string;
  notifier: ObjectCreatedNotifier;
  now: () => number;
}

/** `a b/c.png` → `a%20b/c.png`: a key as a URL path. */
export const keyPath = (key: string) =>
  key
    .split("/")
    .map((part) => encodeURIComponent(part))
    .join("/");
