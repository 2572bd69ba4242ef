import { screen, within } from '@testing-library/react';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { showtimes, theaterMovies, theaters } from '../test/fixtures';
import { jsonResponse, mockFetch, renderWithProviders, requestedPaths } from '../test/render';
import { TheaterPage } from './TheaterPage';

function renderTheater(route: string) {
  return renderWithProviders(
    <Routes>
      <Route path="/theaters/:theaterId" element={<TheaterPage />} />
    </Routes>,
    { route },
  );
}

describe('theater page', () => {
  it('shows the showtimes of the date with occupancy, and sales by date', async () => {
    const fetch = mockFetch({
      '/api/dapper/theaters/1': theaters[0],
      '/api/dapper/theaters/1/showtimes': showtimes,
      '/api/dapper/theaters/1/movies': theaterMovies,
    });
    renderTheater('/theaters/1?date=2025-03-11&from=2025-03-01&to=2025-03-11');

    expect(await screen.findByRole('heading', { level: 1, name: 'AMC Century City' })).toBeInTheDocument();
    const [first, second] = await screen.findAllByTestId('showtime-row');
    if (!first || !second) throw new Error('expected two showtimes');
    // Ordered by start time, shown in the theater's time zone.
    expect(within(first).getByText('The Matrix')).toBeInTheDocument();
    expect(within(first).getByText('12:00 PM')).toBeInTheDocument();
    expect(within(second).getByText('7:30 PM')).toBeInTheDocument();
    const meters = screen.getAllByRole('meter');
    expect(meters[0]).toHaveAttribute('aria-valuenow', '100');
    expect(meters[1]).toHaveAttribute('aria-valuenow', '75');
    expect(meters[1]).toHaveAttribute('aria-valuetext', '75% sold, 150 of 200 seats');
    expect(within(first).getByText('Sold out')).toBeInTheDocument();

    expect(await screen.findAllByTestId('movie-sales-row')).toHaveLength(3);
    expect(screen.getByTestId('movie-sales-total')).toHaveTextContent('$275.50');
    expect(screen.getByTestId('daily-revenue-chart')).toBeInTheDocument();

    const urls = fetch.mock.calls.map(([input]) => String(input));
    expect(urls).toContain('/api/dapper/theaters/1/showtimes?date=2025-03-11');
    expect(urls).toContain('/api/dapper/theaters/1/movies?from=2025-03-01&to=2025-03-11');
  });

  it('says when a date has no showtimes and a range no sales', async () => {
    mockFetch({
      '/api/dapper/theaters/1': theaters[0],
      '/api/dapper/theaters/1/showtimes': [],
      '/api/dapper/theaters/1/movies': [],
    });
    renderTheater('/theaters/1?date=2025-03-11');
    expect(await screen.findByTestId('showtimes-empty')).toHaveTextContent('No showtimes on Tuesday, March 11, 2025.');
    expect(await screen.findByTestId('movie-sales-empty')).toHaveTextContent('No tickets sold between');
  });

  it('says when the theater does not exist', async () => {
    const fetch = mockFetch({ '/api/dapper/theaters/99': () => jsonResponse({ title: 'Not found', status: 404 }, 404) });
    renderTheater('/theaters/99');
    expect(await screen.findByTestId('theater-not-found')).toHaveTextContent('There is no theater with id “99”.');
    expect(requestedPaths(fetch)).toEqual(['/api/dapper/theaters/99']);
  });

  it('does not ask the API about an id that is not a number', () => {
    const fetch = mockFetch({});
    renderTheater('/theaters/abc');
    expect(screen.getByTestId('theater-not-found')).toBeInTheDocument();
    expect(fetch).not.toHaveBeenCalled();
  });
});
