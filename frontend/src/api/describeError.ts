import { isApiError } from './client';

/** A sentence for a person about why a request failed. */
export function describeError(error: unknown): string {
  if (isApiError(error)) {
    if (error.isUnavailable) return 'The backend is not responding. Retrying automatically…';
    if (error.status === 401) return 'Your session has ended. Signing you in again…';
    if (error.status === 403) return 'Your role may not see this. Ask an administrator for access.';
    if (error.status === 400) return `The request was not accepted: ${error.message}`;
    return error.message;
  }
  return 'Something went wrong while loading this data.';
}
