import { backendBaseUrl, type Backend } from '../api/backend';
import { ApiError, authorizedFetch } from '../api/client';
import type { AccessTokens } from '../auth/session';
import type { DeadLetterActionAnswer, DeadLetterFilters, DeadLetterPage, DeadLetterReasonCount } from './types';

/** The dead-letter console's calls on one backend (operators and admins only; others get 403). */
export interface DeadLettersApi {
  list(filters: DeadLetterFilters, before: number | undefined, signal?: AbortSignal): Promise<DeadLetterPage>;
  reasons(signal?: AbortSignal): Promise<DeadLetterReasonCount[]>;
  replay(ids: number[]): Promise<DeadLetterActionAnswer>;
  discard(ids: number[], note: string): Promise<DeadLetterActionAnswer>;
}

type ProblemDetails = ConstructorParameters<typeof ApiError>[2];

async function readJson<T>(response: Response): Promise<T> {
  if (!response.ok) {
    let problem: ProblemDetails | undefined;
    try {
      problem = (await response.json()) as ProblemDetails;
    } catch {
      problem = undefined;
    }
    throw new ApiError(response.status, problem?.detail ?? problem?.title ?? `Request failed with status ${response.status}.`, problem);
  }
  return (await response.json()) as T;
}

export function deadLettersApi(backend: Backend, tokens: AccessTokens): DeadLettersApi {
  const base = `${backendBaseUrl(backend)}/dead-letters`;
  const get = async <T>(path: string, signal?: AbortSignal) =>
    readJson<T>(await authorizedFetch(tokens, `${base}${path}`, { headers: { accept: 'application/json' } }, signal));
  const post = async <T>(path: string, body: unknown) =>
    readJson<T>(
      await authorizedFetch(tokens, `${base}${path}`, {
        method: 'POST',
        headers: { accept: 'application/json', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );

  return {
    list: (filters, before, signal) => {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries({ ...filters, before })) {
        if (value !== undefined && value !== '') params.set(key, String(value));
      }
      const query = params.toString();
      return get<DeadLetterPage>(query ? `?${query}` : '', signal);
    },
    reasons: (signal) => get<DeadLetterReasonCount[]>('/reasons', signal),
    replay: (ids) => post<DeadLetterActionAnswer>('/replay', { ids }),
    discard: (ids, note) => post<DeadLetterActionAnswer>('/discard', { ids, note }),
  };
}
