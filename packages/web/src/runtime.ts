import type { Request } from "./api.ts";
import type { DashboardConfig } from "./config.ts";
import { createStore } from "./store.ts";

/** What every page needs, set once at start-up by main.tsx. */
export interface Runtime {
  config: DashboardConfig;
  request: Request;
}

let current: Runtime | undefined;

export function setRuntime(runtime: Runtime) {
  current = runtime;
}

export function runtime(): Runtime {
  if (!current) throw new Error("runtime used before start-up");
  return current;
}

/** True while some call waits to retry an unavailable API: the layout shows "Service unavailable — retrying…". */
export const unavailable = createStore(false);

/** The text of the polite live region: what just happened, for screen readers and everyone else. */
export const announcement = createStore("");

export function announce(message: string) {
  // The same text twice in a row is still news: clear first so the live region speaks again.
  announcement.set("");
  queueMicrotask(() => announcement.set(message));
}
