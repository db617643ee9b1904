import { useCallback, useEffect, useRef, useState } from "preact/hooks";

export interface Polled<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again now, past the browser's cache (after a write), then keeps the schedule. */
  refresh: () => void;
}

/**
 * Loads `load` now and again after `every(data)` milliseconds while the tab is visible: polling stops when
 * `document.hidden` (an idle background tab costs nothing) and resumes with a load when the tab shows again.
 * A load still running when the next starts, or when the page goes away, is aborted.
 */
export function usePolled<T>(
  load: (signal: AbortSignal, fresh: boolean) => Promise<T>,
  every: (data: T | undefined) => number,
  key: unknown[] = [],
): Polled<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const run = useRef<() => void>(() => {});
  const loadRef = useRef(load);
  const everyRef = useRef(every);
  loadRef.current = load;
  everyRef.current = every;

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | undefined;
    let latest: T | undefined;
    let stopped = false;

    const schedule = () => {
      clearTimeout(timer);
      const ms = everyRef.current(latest);
      // Infinity: load once, no polling (setTimeout would take it for 0).
      if (!stopped && !document.hidden && Number.isFinite(ms)) timer = setTimeout(() => void tick(), ms);
    };
    const tick = async (fresh = false) => {
      clearTimeout(timer);
      controller?.abort();
      const mine = new AbortController();
      controller = mine;
      setState((s) => ({ ...s, loading: true }));
      try {
        latest = await loadRef.current(mine.signal, fresh);
        if (mine.signal.aborted) return;
        setState({ data: latest, error: undefined, loading: false });
      } catch (error) {
        if (mine.signal.aborted) return;
        setState((s) => ({ data: s.data, error, loading: false }));
      }
      schedule();
    };
    const onVisibility = () => {
      if (document.hidden) {
        clearTimeout(timer);
        controller?.abort();
      } else void tick();
    };
    run.current = () => void tick(true);
    document.addEventListener("visibilitychange", onVisibility);
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
      controller?.abort();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, key);

  const refresh = useCallback(() => run.current(), []);
  return { ...state, refresh };
}
