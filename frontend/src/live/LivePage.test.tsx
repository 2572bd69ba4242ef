import { act, screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { FakeEventSource } from '../test/fakeEventSource';
import { liveTotals, pace } from '../test/fixtures';
import { mockFetch, renderWithProviders } from '../test/render';
import { LivePage } from './LivePage';

describe('live view', () => {
  it('waits for the stream, then shows the totals of a totals event', async () => {
    mockFetch({ '/api/dapper/pace': pace });
    renderWithProviders(<LivePage />);
    expect(screen.getByText('Connecting to live sales…')).toBeInTheDocument();

    const source = await FakeEventSource.opened();
    expect(source.url).toMatch(/^\/api\/dapper\/live\?ticket=ticket-\d+$/);
    act(() => {
      source.open();
      source.emit('totals', liveTotals());
    });

    expect(screen.getByTestId('kpi-revenue-value')).toHaveTextContent('$1,234.50');
    expect(screen.getByTestId('kpi-tickets-value')).toHaveTextContent('98');
    expect(screen.getByTestId('kpi-average-price-value')).toHaveTextContent('$12.60');
    expect(screen.getByTestId('kpi-sales-per-minute-value')).toHaveTextContent('7.5');
    expect(screen.getByTestId('live-date')).toHaveTextContent('Business day Tuesday, March 11, 2025');

    const theaters = within(screen.getByTestId('theater-leaderboard'));
    expect(theaters.getByRole('link', { name: 'Regal LA Live' })).toHaveAttribute('href', '/theaters/2');
    expect(theaters.getByText('$700.25')).toBeInTheDocument();
    expect(within(screen.getByTestId('movie-leaderboard')).getByText('Titanic')).toBeInTheDocument();
  });

  it('updates without reload when the next event arrives', async () => {
    mockFetch({ '/api/dapper/pace': pace });
    renderWithProviders(<LivePage />);
    const source = await FakeEventSource.opened();
    act(() => source.emit('totals', liveTotals()));
    act(() => source.emit('totals', liveTotals({ revenue: 2000, tickets_sold: 150 })));

    expect(screen.getByTestId('kpi-revenue-value')).toHaveTextContent('$2,000.00');
    expect(screen.getByTestId('kpi-tickets-value')).toHaveTextContent('150');
  });

  it('shows empty leaderboards before the first sale of the day', async () => {
    mockFetch({ '/api/dapper/pace': pace });
    renderWithProviders(<LivePage />);
    const source = await FakeEventSource.opened();
    act(() => source.emit('totals', liveTotals({ revenue: 0, top_theaters: [], top_movies: [] })));
    expect(screen.getByText('No theater has sold a ticket yet today.')).toBeInTheDocument();
    expect(screen.getByText('No movie has sold a ticket yet today.')).toBeInTheDocument();
  });

  it('draws the revenue pace against last week', async () => {
    mockFetch({ '/api/dapper/pace': pace });
    renderWithProviders(<LivePage />);
    expect(await screen.findByTestId('pace-change')).toHaveTextContent('+25% vs last week');
    expect(
      screen.getByRole('img', { name: /Cumulative revenue over the business day, today against the same day last week/ }),
    ).toBeInTheDocument();
    expect(screen.getByRole('heading', { name: 'Revenue pace · times in Eastern Time (America/New_York)' })).toBeInTheDocument();
  });
});
