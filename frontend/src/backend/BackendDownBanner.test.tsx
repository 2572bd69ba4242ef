import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { theaters } from '../test/fixtures';
import { jsonResponse, mockFetch, renderWithProviders } from '../test/render';
import { BACKEND_STORAGE_KEY } from './storage';

describe('backend down banner', () => {
  it('names the backend that does not answer and goes away when it answers again', async () => {
    const user = userEvent.setup();
    window.localStorage.setItem(BACKEND_STORAGE_KEY, 'ef');
    let up = false;
    const unreachable = () => jsonResponse({ title: 'Backend not reachable', status: 502 }, 502);
    mockFetch({
      '/api/ef/theaters': () => (up ? jsonResponse(theaters) : unreachable()),
      '/api/ef/alive': () => (up ? new Response('Healthy') : unreachable()),
    });
    renderWithProviders(<App />, { route: '/theaters' });

    const banner = await screen.findByTestId('backend-down-banner');
    expect(banner).toHaveTextContent('The EF Core backend is not responding.');
    expect(screen.getByTestId('error')).toHaveTextContent('not responding');

    up = true;
    await user.click(screen.getByRole('button', { name: 'Retry now' }));
    await waitFor(() => expect(screen.queryByTestId('backend-down-banner')).not.toBeInTheDocument());
    // The list loads again at once, without a reload.
    expect(await screen.findAllByTestId('theater-row')).toHaveLength(4);
  });

  it('offers to switch to the other backend', async () => {
    const user = userEvent.setup();
    const unreachable = () => Promise.reject(new TypeError('Failed to fetch'));
    mockFetch({
      '/api/dapper/theaters': unreachable,
      '/api/dapper/alive': unreachable,
      '/api/ef/theaters': theaters,
    });
    renderWithProviders(<App />, { route: '/theaters' });

    expect(await screen.findByTestId('backend-down-banner')).toHaveTextContent('The Dapper backend is not responding.');
    await user.click(screen.getByRole('button', { name: 'Switch to EF Core' }));
    expect(screen.queryByTestId('backend-down-banner')).not.toBeInTheDocument();
    expect(await screen.findAllByTestId('theater-row')).toHaveLength(4);
  });
});
