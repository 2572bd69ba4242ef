import { describe, expect, it, vi } from 'vitest';
import { createApi, isApiError } from '../api/client';
import { theaters } from '../test/fixtures';
import { TEST_ACCESS_TOKEN, testJwt, testSession } from '../test/auth';
import { bearerOf, jsonResponse, mockFetch, requestedPaths, unauthorized } from '../test/render';
import { safeReturnUrl } from './session';

/** The identity's token endpoint: trades refresh-token-1 for access-token-2 (and counts the trades). */
function tokenEndpoint(answer: 'renew' | 'refuse' = 'renew') {
  const refreshes: string[] = [];
  const handler = async (_url: URL, init: RequestInit | undefined) => {
    const form = new URLSearchParams(String(init?.body));
    refreshes.push(`${form.get('grant_type')}:${form.get('refresh_token')}`);
    if (answer === 'refuse') return jsonResponse({ error: 'invalid_grant' }, 400);
    return jsonResponse({
      access_token: 'access-token-2',
      refresh_token: 'refresh-token-2',
      token_type: 'Bearer',
      expires_in: 900,
      id_token: testJwt({ sub: 'user-1', name: 'Vera Viewer', role: 'viewer', iss: 'http://identity.test/', aud: 'reelmetrics-dashboard' }),
    });
  };
  return { refreshes, handler };
}

/** An API that accepts only the renewed token, as after the first one expired or was revoked. */
const acceptsOnly = (token: string) => (_url: URL, init: RequestInit | undefined) =>
  bearerOf(init) === token ? jsonResponse(theaters) : unauthorized();

describe('API calls signed in', () => {
  it('send the access token as a bearer token', async () => {
    const fetch = mockFetch({ '/api/dapper/theaters': acceptsOnly(TEST_ACCESS_TOKEN) });
    await expect(createApi('dapper', testSession()).theaters()).resolves.toHaveLength(theaters.length);
    expect(bearerOf(fetch.mock.calls[0]?.[1])).toBe(TEST_ACCESS_TOKEN);
  });

  it('renew the token once on a 401 and retry, without leaving the page', async () => {
    const identity = tokenEndpoint();
    const fetch = mockFetch({ '/api/dapper/theaters': acceptsOnly('access-token-2'), '/connect/token': identity.handler });
    const session = testSession();
    const signIn = vi.spyOn(session.manager, 'signinRedirect').mockResolvedValue();

    await expect(createApi('dapper', session).theaters()).resolves.toHaveLength(theaters.length);

    expect(requestedPaths(fetch)).toEqual(['/api/dapper/theaters', '/connect/token', '/api/dapper/theaters']);
    expect(identity.refreshes).toEqual(['refresh_token:refresh-token-1']);
    expect(bearerOf(fetch.mock.calls[2]?.[1])).toBe('access-token-2');
    expect((await session.user())?.refresh_token).toBe('refresh-token-2');
    expect(signIn).not.toHaveBeenCalled();
  });

  it('share one renewal between requests refused at the same time', async () => {
    const identity = tokenEndpoint();
    mockFetch({ '/api/dapper/theaters': acceptsOnly('access-token-2'), '/connect/token': identity.handler });
    const api = createApi('dapper', testSession());
    await Promise.all([api.theaters(), api.theaters(), api.theaters()]);
    expect(identity.refreshes).toHaveLength(1);
  });

  it('renew an access token that expired before sending it', async () => {
    const identity = tokenEndpoint();
    const fetch = mockFetch({ '/api/dapper/theaters': acceptsOnly('access-token-2'), '/connect/token': identity.handler });
    await createApi('dapper', testSession({ expiresIn: -10 })).theaters();
    expect(requestedPaths(fetch)).toEqual(['/connect/token', '/api/dapper/theaters']);
  });

  it('send the user to sign in again, back to this page, when the session cannot be renewed', async () => {
    window.history.replaceState(null, '', '/theaters/3?date=2025-03-11');
    const identity = tokenEndpoint('refuse');
    mockFetch({ '/api/dapper/theaters': acceptsOnly('access-token-2'), '/connect/token': identity.handler });
    const session = testSession();
    const signIn = vi.spyOn(session.manager, 'signinRedirect').mockResolvedValue();

    const error: unknown = await createApi('dapper', session)
      .theaters()
      .catch((e: unknown) => e);

    expect(isApiError(error) && error.status).toBe(401);
    expect(signIn).toHaveBeenCalledTimes(1);
    expect(signIn).toHaveBeenCalledWith({ state: { returnUrl: '/theaters/3?date=2025-03-11' } });
    window.history.replaceState(null, '', '/');
  });

  it('get a live ticket with POST and the bearer token', async () => {
    const fetch = mockFetch({
      '/api/ef/live/tickets': (_url: URL, init: RequestInit | undefined) =>
        init?.method === 'POST' && bearerOf(init) === TEST_ACCESS_TOKEN
          ? jsonResponse({ ticket: 'abc+/=', expires_at: '2025-03-11T18:00:30Z' })
          : unauthorized(),
    });
    const api = createApi('ef', testSession());
    const { ticket } = await api.liveTicket();
    expect(api.liveUrl(ticket)).toBe('/api/ef/live?ticket=abc%2B%2F%3D');
    expect(requestedPaths(fetch)).toEqual(['/api/ef/live/tickets']);
  });
});

describe('return URL after sign-in', () => {
  it('is a path of this origin, never another site', () => {
    expect(safeReturnUrl('/theaters/1?date=2025-03-11#x')).toBe('/theaters/1?date=2025-03-11#x');
    expect(safeReturnUrl('//evil.example/')).toBe('/');
    expect(safeReturnUrl('/\\evil.example/')).toBe('/');
    expect(safeReturnUrl('https://evil.example/')).toBe('/');
    expect(safeReturnUrl(undefined)).toBe('/');
  });
});
