import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { LiveStreamProvider } from '../live/LiveStreamProvider';
import type { Alert } from '../status/types';
import { FakeEventSource } from '../test/fakeEventSource';
import { mockFetch, renderWithProviders } from '../test/render';
import { AlertBanner } from './AlertBanner';
import { AlertsPage } from './AlertsPage';

function alert(overrides: Partial<Alert> = {}): Alert {
  return {
    alert_id: 1,
    rule: 'sell_out_watch',
    subject: 'showtime:10218993',
    severity: 'info',
    message: 'Barbie at AMC Century City, 19:15, is 93 % sold (131 of 140 seats).',
    details: { tickets_sold: 131, capacity: 140 },
    raised_at: '2025-03-14T18:02:15+00:00',
    resolved_at: null,
    ...overrides,
  };
}

const history: Alert[] = [
  alert(),
  alert({
    alert_id: 2,
    rule: 'pipeline_stalled',
    subject: 'pipeline',
    severity: 'critical',
    message: 'The pipeline is stalled: No consumer has reported since 17:28:44 UTC (more than 15 s): nothing is being ingested.',
    raised_at: '2025-03-14T17:30:00+00:00',
    resolved_at: '2025-03-14T17:31:45+00:00',
  }),
];

describe('alerts page', () => {
  it('lists the alerts newest first, open or resolved', async () => {
    const fetch = mockFetch({ '/api/dapper/alerts': history });
    renderWithProviders(<AlertsPage />, { route: '/alerts' });

    const rows = await screen.findAllByTestId('alert-row');
    expect(rows).toHaveLength(2);
    const [first, second] = rows as [HTMLElement, HTMLElement];
    expect(within(first).getByText('Sell-out watch')).toBeInTheDocument();
    expect(within(first).getByText('Open')).toBeInTheDocument();
    expect(within(first).getByText('Info')).toBeInTheDocument();
    expect(within(second).getByText('Pipeline stalled')).toBeInTheDocument();
    expect(within(second).getByText('Critical')).toBeInTheDocument();
    expect(within(second).getByText(/nothing is being ingested/)).toBeInTheDocument();
    expect(within(second).queryByText('Open')).not.toBeInTheDocument();
    expect(String(fetch.mock.calls[0]?.[0])).toContain('/api/dapper/alerts?state=all&limit=200');
  });

  it('shows only open alerts when asked', async () => {
    const fetch = mockFetch({ '/api/dapper/alerts': (url: URL) => Response.json(url.searchParams.get('state') === 'open' ? [] : history) });
    renderWithProviders(<AlertsPage />, { route: '/alerts' });
    await screen.findAllByTestId('alert-row');

    await userEvent.selectOptions(screen.getByTestId('alert-state-filter'), 'open');

    expect(await screen.findByTestId('alerts-empty')).toHaveTextContent('No alert is open.');
    expect(fetch.mock.calls.some(([url]) => String(url).includes('state=open'))).toBe(true);
  });
});

describe('alert banner', () => {
  it('shows the open alerts and a toast for each alert raised while the page is open', async () => {
    mockFetch({});
    renderWithProviders(
      <LiveStreamProvider>
        <AlertBanner />
      </LiveStreamProvider>,
    );
    const source = await FakeEventSource.opened();
    act(() => source.emit('alerts', [alert()]));
    expect(screen.getByTestId('alert-banner')).toHaveTextContent('1 open alert');
    expect(screen.queryByTestId('alert-toast')).not.toBeInTheDocument();

    const stalled = history[1];
    act(() => source.emit('alerts', [{ ...stalled, resolved_at: null }, alert()]));

    expect(screen.getByTestId('alert-toast')).toHaveTextContent('Pipeline stalled');
    expect(screen.getByTestId('alert-banner')).toHaveTextContent('2 open alerts · The pipeline is stalled');
    expect(screen.getByRole('link', { name: 'See alerts' })).toHaveAttribute('href', '/alerts');
  });
});
