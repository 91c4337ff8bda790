import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { ProjectContext } from "./context";
import { type LiveMessage, type LiveStatus, POLL_INTERVAL_MS, RESYNC_TYPES } from "./live";
import { createStore, useStore } from "./store";

/** Coalesces a burst of live messages into one refetch. */
const LIVE_DEBOUNCE_MS = 250;

/** Outside a project there is no channel: behave as if live (no polling unless asked). */
const FALLBACK_STATUS = createStore<LiveStatus>("live");

/** A loaded resource: the last good data, the last error, and a manual reload. */
export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/** Which live messages make a resource stale. */
export type LiveFilter = (m: LiveMessage) => boolean;

/** Matches messages about any of `types` (resource types), e.g. `onTypes("bundle", "rollout")`. */
export const onTypes =
  (...types: string[]): LiveFilter =>
  (m) =>
    m.resource_type !== null && types.includes(m.resource_type);

/**
 * Loads `load()` when `deps` change and keeps it fresh: refetches on matching live messages
 * (and on hello/resync), polls every POLL_INTERVAL_MS while the socket is down, and every
 * `refreshMs` regardless (for data that changes without events, e.g. heartbeats). Previous data
 * stays visible while reloading.
 */
export function useResource<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
  opts: { live?: LiveFilter; refreshMs?: number } = {},
): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const loadRef = useRef(load);
  loadRef.current = load;
  const filterRef = useRef(opts.live);
  filterRef.current = opts.live;

  useEffect(() => {
    const ctl = new AbortController();
    setLoading(true);
    loadRef
      .current(ctl.signal)
      .then((value) => {
        if (!ctl.signal.aborted) {
          setData(value);
          setError(null);
        }
      })
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) {
          setError(err);
        }
      })
      .finally(() => {
        if (!ctl.signal.aborted) {
          setLoading(false);
        }
      });
    return () => ctl.abort();
  }, [...deps, tick]);

  const project = useContext(ProjectContext);
  const live = project?.live ?? null;
  const liveStatus = useStore(live?.status ?? FALLBACK_STATUS);
  const wantsLive = opts.live !== undefined;

  useEffect(() => {
    if (!live || !wantsLive) {
      return;
    }
    let timer: number | undefined;
    const unsubscribe = live.subscribe((m) => {
      const filter = filterRef.current;
      if (RESYNC_TYPES.has(m.type) || filter?.(m)) {
        window.clearTimeout(timer);
        timer = window.setTimeout(reload, LIVE_DEBOUNCE_MS);
      }
    });
    return () => {
      window.clearTimeout(timer);
      unsubscribe();
    };
  }, [live, wantsLive, reload]);

  const pollMs =
    wantsLive && liveStatus !== "live"
      ? Math.min(POLL_INTERVAL_MS, opts.refreshMs ?? POLL_INTERVAL_MS)
      : opts.refreshMs;
  useEffect(() => {
    if (pollMs === undefined) {
      return;
    }
    // Hidden tabs do not poll; the next live message or visible tick catches up.
    const timer = window.setInterval(() => {
      if (!document.hidden) {
        reload();
      }
    }, pollMs);
    return () => window.clearInterval(timer);
  }, [pollMs, reload]);

  return { data, error, loading, reload };
}
