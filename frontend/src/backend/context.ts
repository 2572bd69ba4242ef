import { createContext, useContext } from 'react';
import type { Backend } from '../api/backend';
import type { ReelMetricsApi } from '../api/client';

export interface BackendContextValue {
  backend: Backend;
  api: ReelMetricsApi;
  setBackend: (backend: Backend) => void;
}

export const BackendContext = createContext<BackendContextValue | undefined>(undefined);

export function useBackend(): BackendContextValue {
  const value = useContext(BackendContext);
  if (!value) throw new Error('useBackend must be used inside <BackendProvider>.');
  return value;
}

export interface BackendHealthValue {
  /** True while the selected backend is known not to answer. */
  down: boolean;
  /** When the selected backend stopped answering (ms since epoch). */
  downSince: number | undefined;
  /** Ask for a liveness check now (after a failed request or a dropped stream). */
  probe: () => void;
  /** Counts the selected backend's recoveries: views load again at once when it changes. */
  recoveries: number;
}

export const BackendHealthContext = createContext<BackendHealthValue>({
  down: false,
  downSince: undefined,
  probe: () => {},
  recoveries: 0,
});

export function useBackendHealth(): BackendHealthValue {
  return useContext(BackendHealthContext);
}
