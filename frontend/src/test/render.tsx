import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { BackendProvider } from '../backend/BackendProvider';

/** Renders inside the app's providers, at a route. */
export function renderWithProviders(ui: ReactElement, { route = '/' }: { route?: string } = {}) {
  return render(
    <MemoryRouter initialEntries={[route]}>
      <BackendProvider>{ui}</BackendProvider>
    </MemoryRouter>,
  );
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

type Handler = (url: URL) => Response | Promise<Response>;

/**
 * Replaces fetch: `routes` maps a path (without query) to an answer; anything else is a 404.
 * Returns the mock, whose calls list every requested URL.
 */
export function mockFetch(routes: Record<string, Handler | unknown>) {
  const mock = vi.fn(async (input: RequestInfo | URL) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url, 'http://localhost');
    const route = routes[url.pathname];
    if (route === undefined) return jsonResponse({ title: 'Not found', status: 404 }, 404);
    if (typeof route === 'function') return (route as Handler)(url);
    return jsonResponse(route);
  });
  vi.stubGlobal('fetch', mock);
  return mock;
}

export function requestedPaths(mock: ReturnType<typeof mockFetch>): string[] {
  return mock.mock.calls.map(([input]) => new URL(String(input), 'http://localhost').pathname);
}
