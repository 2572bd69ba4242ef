import { isBackend, type Backend } from '../api/backend';

export const BACKEND_STORAGE_KEY = 'reelmetrics.backend';
export const DEFAULT_BACKEND: Backend = 'dapper';

export function loadBackend(): Backend {
  try {
    const stored = window.localStorage.getItem(BACKEND_STORAGE_KEY);
    return isBackend(stored) ? stored : DEFAULT_BACKEND;
  } catch {
    return DEFAULT_BACKEND;
  }
}

export function saveBackend(backend: Backend): void {
  try {
    window.localStorage.setItem(BACKEND_STORAGE_KEY, backend);
  } catch {
    // Private mode or storage disabled: the choice lasts for this page only.
  }
}
