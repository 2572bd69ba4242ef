import { useCallback, useEffect, useRef, useState } from 'react';
import { isApiError, type ReelMetricsApi } from '../api/client';
import { useBackend, useBackendHealth } from '../backend/context';

/** How soon a request that failed because the backend did not answer is tried again. */
export const RETRY_DELAY_MS = 5_000;

export interface ApiResource<T> {
  data: T | undefined;
  error: unknown;
  /** True until the first answer (or error) for the current backend and key. */
  loading: boolean;
  reload: () => void;
}

interface State<T> {
  key: string;
  data?: T;
  error?: unknown;
}

function isRetryable(error: unknown): boolean {
  return !isApiError(error) || error.isUnavailable || error.status >= 500;
}

/**
 * Loads one answer of the selected backend. `key` names what is loaded (change it when the
 * arguments change); switching backends loads again. Errors from a backend that does not answer
 * are retried by themselves; `refreshMs` polls.
 */
export function useApiResource<T>(
  key: string,
  load: (api: ReelMetricsApi, signal: AbortSignal) => Promise<T>,
  options: { refreshMs?: number; enabled?: boolean } = {},
): ApiResource<T> {
  const { api, backend } = useBackend();
  const { probe, recoveries } = useBackendHealth();
  const { refreshMs, enabled = true } = options;
  const fullKey = `${backend}|${key}`;
  const [state, setState] = useState<State<T>>({ key: '' });
  const [reloads, setReloads] = useState(0);
  const loadRef = useRef(load);

  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;

    const run = async () => {
      try {
        const data = await loadRef.current(api, controller.signal);
        if (controller.signal.aborted) return;
        setState({ key: fullKey, data });
        if (refreshMs) timer = setTimeout(run, refreshMs);
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((previous) => ({
          key: fullKey,
          data: previous.key === fullKey ? previous.data : undefined,
          error,
        }));
        if (isApiError(error) && error.isUnavailable) probe();
        if (isRetryable(error)) timer = setTimeout(run, Math.min(refreshMs ?? RETRY_DELAY_MS, RETRY_DELAY_MS));
      }
    };
    void run();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [api, fullKey, refreshMs, enabled, reloads, probe, recoveries]);

  const reload = useCallback(() => setReloads((n) => n + 1), []);
  const current = state.key === fullKey ? state : undefined;
  return {
    data: current?.data,
    error: current?.error,
    loading: enabled && current === undefined,
    reload,
  };
}
