import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { Backend } from '../api/backend';
import { createApi, isApiError } from '../api/client';
import { useAuth } from '../auth/context';
import { BackendContext, BackendHealthContext } from './context';
import { loadBackend, saveBackend } from './storage';

/** How often the selected backend's liveness is checked while it answers, and while it does not. */
export const HEALTH_INTERVAL_UP_MS = 15_000;
export const HEALTH_INTERVAL_DOWN_MS = 3_000;

interface HealthState {
  backend: Backend;
  downSince: number | undefined;
  recoveries: number;
}

/**
 * Holds the selected backend (remembered in localStorage) and watches its liveness
 * (`GET /alive`): a backend that does not answer raises the banner until it answers again.
 */
export function BackendProvider({ children, initialBackend }: { children: ReactNode; initialBackend?: Backend }) {
  const [backend, setBackendState] = useState<Backend>(() => initialBackend ?? loadBackend());
  const { session } = useAuth();
  const api = useMemo(() => createApi(backend, session), [backend, session]);
  const [health, setHealth] = useState<HealthState>({ backend, downSince: undefined, recoveries: 0 });
  const [probeRequest, setProbeRequest] = useState(0);

  const setBackend = useCallback((next: Backend) => {
    saveBackend(next);
    setBackendState(next);
  }, []);

  const probe = useCallback(() => setProbeRequest((n) => n + 1), []);

  const current = health.backend === backend ? health : { backend, downSince: undefined, recoveries: 0 };
  const down = current.downSince !== undefined;

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let isDown = down;

    const check = async () => {
      let nowDown = false;
      try {
        await api.alive(controller.signal);
      } catch (error) {
        if (controller.signal.aborted) return;
        nowDown = !isApiError(error) || error.isUnavailable;
      }
      if (controller.signal.aborted) return;
      if (nowDown !== isDown) {
        isDown = nowDown;
        setHealth((previous) => {
          const recoveries = previous.backend === backend ? previous.recoveries : 0;
          return nowDown ? { backend, downSince: Date.now(), recoveries } : { backend, downSince: undefined, recoveries: recoveries + 1 };
        });
      }
      timer = setTimeout(check, isDown ? HEALTH_INTERVAL_DOWN_MS : HEALTH_INTERVAL_UP_MS);
    };
    // First check soon after a probe request or a switch; a plain mount waits for the interval.
    timer = setTimeout(check, probeRequest > 0 || down ? 0 : HEALTH_INTERVAL_UP_MS);
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
    // `down` is read once per (re)start on purpose: the loop tracks it itself.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, backend, probeRequest]);

  const backendValue = useMemo(() => ({ backend, api, setBackend }), [backend, api, setBackend]);
  const healthValue = useMemo(
    () => ({ down, downSince: current.downSince, probe, recoveries: current.recoveries }),
    [down, current.downSince, probe, current.recoveries],
  );

  return (
    <BackendContext.Provider value={backendValue}>
      <BackendHealthContext.Provider value={healthValue}>{children}</BackendHealthContext.Provider>
    </BackendContext.Provider>
  );
}
