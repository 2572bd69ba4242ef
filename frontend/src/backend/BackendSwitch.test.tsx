import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { mockFetch, renderWithProviders, requestedPaths } from '../test/render';
import { theaters } from '../test/fixtures';
import { BACKEND_STORAGE_KEY } from './storage';

describe('backend switch', () => {
  it('starts on Dapper and sends every request to /api/dapper', async () => {
    const fetch = mockFetch({ '/api/dapper/theaters': theaters, '/api/ef/theaters': theaters });
    renderWithProviders(<App />, { route: '/theaters' });

    expect(await screen.findByRole('radio', { name: 'Dapper' })).toBeChecked();
    await screen.findAllByTestId('theater-row');
    // Every page also follows the live stream (the header's pipeline status), from the same backend.
    expect(requestedPaths(fetch).sort()).toEqual(['/api/dapper/live/tickets', '/api/dapper/theaters']);
  });

  it('switches to EF Core, reloads the view from /api/ef and remembers the choice', async () => {
    const user = userEvent.setup();
    const fetch = mockFetch({ '/api/dapper/theaters': theaters, '/api/ef/theaters': theaters });
    const first = renderWithProviders(<App />, { route: '/theaters' });
    await screen.findAllByTestId('theater-row');

    await user.click(screen.getByRole('radio', { name: 'EF Core' }));

    expect(screen.getByRole('radio', { name: 'EF Core' })).toBeChecked();
    expect(window.localStorage.getItem(BACKEND_STORAGE_KEY)).toBe('ef');
    await waitFor(() => expect(requestedPaths(fetch)).toContain('/api/ef/theaters'));
    expect(screen.getByTestId('current-backend')).toHaveTextContent('EF Core');

    // A reload: a fresh app reads the choice back.
    first.unmount();
    fetch.mockClear();
    renderWithProviders(<App />, { route: '/theaters' });
    expect(await screen.findByRole('radio', { name: 'EF Core' })).toBeChecked();
    await screen.findAllByTestId('theater-row');
    expect(requestedPaths(fetch).sort()).toEqual(['/api/ef/live/tickets', '/api/ef/theaters']);
  });

  it('opens the live stream of the selected backend', async () => {
    const user = userEvent.setup();
    mockFetch({});
    renderWithProviders(<App />, { route: '/' });
    const { FakeEventSource } = await import('../test/fakeEventSource');
    expect((await FakeEventSource.opened()).url).toMatch(/^\/api\/dapper\/live\?ticket=/);

    await user.click(screen.getByRole('radio', { name: 'EF Core' }));
    expect((await FakeEventSource.opened(2)).url).toMatch(/^\/api\/ef\/live\?ticket=/);
    expect(FakeEventSource.instances[0]?.readyState).toBe(FakeEventSource.CLOSED);
  });

  it('ignores a stored value that is not a backend', async () => {
    window.localStorage.setItem(BACKEND_STORAGE_KEY, 'mongo');
    mockFetch({});
    renderWithProviders(<App />, { route: '/theaters' });
    expect(await screen.findByRole('radio', { name: 'Dapper' })).toBeChecked();
  });
});
