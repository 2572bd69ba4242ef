import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import type { AuthSession } from '../auth/session';
import { Providers } from './Providers';

/** Renders inside the app's providers, at a route. */
export function renderWithProviders(ui: ReactElement, { route = '/', session }: { route?: string; session?: AuthSession } = {}) {
  return render(
    <MemoryRouter initialEntries={[route]}>
      <Providers session={session}>{ui}</Providers>
    </MemoryRouter>,
  );
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

type Handler = (url: URL, init: RequestInit | undefined) => Response | Promise<Response>;

export const unauthorized = () => jsonResponse({ title: 'Unauthorized', status: 401 }, 401);

/** The bearer token a request carries, if any. */
export function bearerOf(init: RequestInit | undefined): string | undefined {
  return new Headers(init?.headers).get('authorization')?.match(/^Bearer (.+)$/)?.[1];
}

let tickets = 0;

/**
 * Replaces fetch: `routes` maps a path (without query) to an answer; anything else is a 404.
 * Like the APIs, every `/api/...` path but `/alive` answers 401 without a bearer token, and
 * `POST /api/<backend>/live/tickets` hands out a new ticket unless a route says otherwise.
 * Returns the mock, whose calls list every requested URL.
 */
export function mockFetch(routes: Record<string, Handler | unknown>) {
  const mock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://localhost');
    const route = routes[url.pathname];
    const protectedApi = url.pathname.startsWith('/api/') && !url.pathname.endsWith('/alive');
    if (protectedApi && route === undefined && url.pathname.endsWith('/live/tickets') && bearerOf(init)) {
      return jsonResponse({ ticket: `ticket-${++tickets}`, expires_at: new Date(Date.now() + 30_000).toISOString() });
    }
    if (route === undefined) return jsonResponse({ title: 'Not found', status: 404 }, 404);
    if (typeof route === 'function') return (route as Handler)(url, init);
    if (protectedApi && !bearerOf(init)) return unauthorized();
    return jsonResponse(route);
  });
  vi.stubGlobal('fetch', mock);
  return mock;
}

export function requestedPaths(mock: ReturnType<typeof mockFetch>): string[] {
  return mock.mock.calls.map(([input]) => new URL(String(input), 'http://localhost').pathname);
}
