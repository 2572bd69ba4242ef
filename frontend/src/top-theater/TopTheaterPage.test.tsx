import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { jsonResponse, mockFetch, renderWithProviders, requestedPaths } from '../test/render';
import { TopTheaterPage } from './TopTheaterPage';

/** GET /business-day at 05:30 in New York on 2025-03-11: before the 06:00 cutoff, so the business date is still the 10th. */
const businessDay = {
  now: '2025-03-11T09:30:00Z',
  time_zone: 'America/New_York',
  cutoff: '06:00',
  today: '2025-03-10',
  day_start: '2025-03-10T10:00:00Z',
  day_end: '2025-03-11T10:00:00Z',
  this_week: { from: '2025-03-07', to: '2025-03-13', dates: [] },
  same_time_last_week: '2025-03-04T09:30:00Z',
};

const problem404 = () =>
  jsonResponse({ type: 'about:blank', title: 'No sales', status: 404, detail: 'Nothing was sold on 2025-03-11.' }, 404);

describe('top theater by date', () => {
  it('shows the top theater with revenue and tickets', async () => {
    mockFetch({
      '/api/dapper/top-theater/2025-03-10': {
        sale_date: '2025-03-10',
        theater_id: 2,
        name: 'Regal LA Live',
        revenue: 12345.67,
        tickets_sold: 1000,
      },
    });
    renderWithProviders(<TopTheaterPage />, { route: '/top-theater?date=2025-03-10' });

    expect(await screen.findByTestId('top-theater-name')).toHaveTextContent('Regal LA Live');
    expect(screen.getByTestId('top-theater-name')).toHaveAttribute('href', '/theaters/2');
    expect(screen.getByTestId('top-theater-revenue-value')).toHaveTextContent('$12,345.67');
    expect(screen.getByTestId('top-theater-tickets-value')).toHaveTextContent('1,000');
    expect(screen.getByRole('heading', { name: 'Top theater on Monday, March 10, 2025' })).toBeInTheDocument();
  });

  it('without a date, shows the chain business date of the API, not the browser calendar date', async () => {
    const fetch = mockFetch({
      '/api/dapper/business-day': businessDay,
      '/api/dapper/top-theater/2025-03-10': problem404,
    });
    renderWithProviders(<TopTheaterPage />, { route: '/top-theater' });

    expect(await screen.findByTestId('top-theater-no-sales')).toHaveTextContent('No ticket sales on Monday, March 10, 2025.');
    expect(requestedPaths(fetch)).toContain('/api/dapper/top-theater/2025-03-10');
  });

  it('says clearly that a date had no sales when the API answers 404', async () => {
    mockFetch({ '/api/dapper/top-theater/2025-03-11': problem404 });
    renderWithProviders(<TopTheaterPage />, { route: '/top-theater?date=2025-03-11' });

    const message = await screen.findByTestId('top-theater-no-sales');
    expect(message).toHaveTextContent('No ticket sales on Tuesday, March 11, 2025.');
    expect(screen.queryByTestId('error')).not.toBeInTheDocument();
    expect(screen.queryByTestId('top-theater-result')).not.toBeInTheDocument();
  });

  it('asks the API for the date picked in the form', async () => {
    const user = userEvent.setup();
    const fetch = mockFetch({ '/api/dapper/top-theater/2025-03-11': problem404, '/api/dapper/top-theater/2024-12-24': problem404 });
    renderWithProviders(<TopTheaterPage />, { route: '/top-theater?date=2025-03-11' });
    await screen.findByTestId('top-theater-no-sales');

    const input = screen.getByLabelText('Business date');
    await user.clear(input);
    await user.type(input, '2024-12-24');
    await user.click(screen.getByRole('button', { name: 'Show top theater' }));

    expect(await screen.findByText('No ticket sales on Tuesday, December 24, 2024.')).toBeInTheDocument();
    expect(requestedPaths(fetch)).toContain('/api/dapper/top-theater/2024-12-24');
  });

  it('keeps a date typed while the business date was still loading, and asks for that date', async () => {
    // Seen in the browser tests: a date typed before /business-day answered was replaced by the business date, so the
    // page showed another day than the one asked for (whenever the business date is not the typed one).
    const user = userEvent.setup();
    let answerBusinessDay: (response: Response) => void = () => {};
    const fetch = mockFetch({
      '/api/dapper/business-day': () => new Promise<Response>((resolve) => (answerBusinessDay = resolve)),
      '/api/dapper/top-theater/2025-03-10': problem404,
      '/api/dapper/top-theater/2024-12-24': problem404,
    });
    renderWithProviders(<TopTheaterPage />, { route: '/top-theater' });

    const input = screen.getByLabelText('Business date');
    await user.type(input, '2024-12-24');
    answerBusinessDay(jsonResponse(businessDay));
    await screen.findByText('No ticket sales on Monday, March 10, 2025.');
    expect(input).toHaveValue('2024-12-24');

    await user.click(screen.getByRole('button', { name: 'Show top theater' }));
    expect(await screen.findByText('No ticket sales on Tuesday, December 24, 2024.')).toBeInTheDocument();
    expect(requestedPaths(fetch)).toContain('/api/dapper/top-theater/2024-12-24');
  });

  it('shows an error, not "no sales", when the backend is down', async () => {
    mockFetch({ '/api/dapper/top-theater/2025-03-11': () => jsonResponse({ title: 'Backend not reachable', status: 502 }, 502) });
    renderWithProviders(<TopTheaterPage />, { route: '/top-theater?date=2025-03-11' });

    expect(await screen.findByTestId('error')).toHaveTextContent('not responding');
    expect(screen.queryByTestId('top-theater-no-sales')).not.toBeInTheDocument();
  });
});
