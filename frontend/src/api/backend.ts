/** The two interchangeable implementations of the REST contract. */
export type Backend = 'dapper' | 'ef';

export const BACKENDS: readonly Backend[] = ['dapper', 'ef'];

export const BACKEND_LABELS: Record<Backend, string> = {
  dapper: 'Dapper',
  ef: 'EF Core',
};

export function isBackend(value: unknown): value is Backend {
  return value === 'dapper' || value === 'ef';
}

/** Every request of the UI goes through the frontend's own proxy: `/api/<backend>/...`. */
export function backendBaseUrl(backend: Backend): string {
  return `/api/${backend}`;
}
