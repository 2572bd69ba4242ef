import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { theaters } from '../test/fixtures';
import { jsonResponse, mockFetch, renderWithProviders } from '../test/render';
import { filterTheaters } from './filterTheaters';
import { TheaterListPage } from './TheaterListPage';

describe('theater list', () => {
  it('lists every theater with a link to its page', async () => {
    mockFetch({ '/api/dapper/theaters': theaters });
    renderWithProviders(<TheaterListPage />, { route: '/theaters' });
    expect(await screen.findAllByTestId('theater-row')).toHaveLength(4);
    expect(screen.getByRole('link', { name: 'Regal LA Live' })).toHaveAttribute('href', '/theaters/2');
    expect(screen.getByTestId('theater-count')).toHaveTextContent('4 theaters');
  });

  it('filters by name or city as the operator types', async () => {
    const user = userEvent.setup();
    mockFetch({ '/api/dapper/theaters': theaters });
    renderWithProviders(<TheaterListPage />, { route: '/theaters' });
    await screen.findAllByTestId('theater-row');

    await user.type(screen.getByLabelText('Search theaters'), 'playa');
    expect(screen.getAllByTestId('theater-row')).toHaveLength(1);
    expect(screen.getByRole('link', { name: 'Cinemark Playa Vista' })).toBeInTheDocument();
    expect(screen.getByTestId('theater-count')).toHaveTextContent('Showing 1 of 4 theaters');

    await user.clear(screen.getByLabelText('Search theaters'));
    await user.type(screen.getByLabelText('Search theaters'), 'new york');
    expect(screen.getAllByTestId('theater-row')).toHaveLength(1);

    await user.type(screen.getByLabelText('Search theaters'), 'zzz');
    expect(screen.queryByTestId('theater-row')).not.toBeInTheDocument();
    expect(screen.getByTestId('theater-search-empty')).toHaveTextContent('No theater matches');
  });

  it('shows an error with a retry when the request fails', async () => {
    mockFetch({ '/api/dapper/theaters': () => jsonResponse({ title: 'Boom', detail: 'Database unavailable.', status: 400 }, 400) });
    renderWithProviders(<TheaterListPage />, { route: '/theaters' });
    expect(await screen.findByTestId('error')).toHaveTextContent('Database unavailable.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });

  it('matches every word, ignoring case and accents', () => {
    expect(filterTheaters(theaters, '  AMC  los ').map((t) => t.theater_id)).toEqual([1]);
    expect(filterTheaters(theaters, 'cinémark')).toHaveLength(1);
    expect(filterTheaters(theaters, '')).toHaveLength(4);
  });
});
