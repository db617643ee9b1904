/**
 * Wraps what a process loads on first use (a module imported lazily, a document built once): the first
 * call starts `load`, every later call gets the same promise, and callers arriving meanwhile share it.
 * A failure is not kept: the call after it starts `load` again.
 *
 * @example
 * const jose = loadOnce(() => import("jose"));
 * const { jwtVerify } = await jose();
 */
export function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (!pending) {
      const started = load();
      pending = started;
      started.catch(() => {
        if (pending === started) pending = undefined;
      });
    }
    return pending;
  };
}
