import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AppHeader } from '../layout/AppHeader';
import { testSession } from '../test/auth';
import { bearerOf, jsonResponse, mockFetch, renderWithProviders, unauthorized } from '../test/render';
import { DeadLettersPage } from './DeadLettersPage';
import type { DeadLetterSummary } from './types';

const base = '/api/dapper/dead-letters';
const operator = () => testSession({ name: 'Otto Operator', role: 'operator' });

function letter(id: number, overrides: Partial<DeadLetterSummary> = {}): DeadLetterSummary {
  return {
    id,
    received_at: '2025-03-14T18:02:11Z',
    reason: 'unknown_theater',
    detail: 'no theater with id 31',
    state: 'dead',
    theater_id: 31,
    topic: 'ticket-sales',
    partition: 0,
    offset: id,
    payload_bytes: 40,
    preview: '{"theater_id":31}',
    preview_truncated: false,
    replay_attempts: 0,
    ...overrides,
  };
}

const reasons = [
  { reason: 'invalid_json', state: 'dead', count: 1 },
  { reason: 'unknown_theater', state: 'dead', count: 2 },
];

describe('dead-letter console', () => {
  it('shows a hostile payload as text, never as markup', async () => {
    const hostile = '<img src=x onerror=alert(1)>';
    mockFetch({
      [base]: { items: [letter(7, { reason: 'invalid_json', detail: '<b>not json</b>', preview: hostile, theater_id: undefined })] },
      [`${base}/reasons`]: reasons,
    });
    const { container } = renderWithProviders(<DeadLettersPage />, { route: '/dead-letters', session: operator() });

    const preview = await screen.findByTestId('letter-preview');
    expect(preview.tagName).toBe('PRE');
    expect(preview).toHaveTextContent(hostile);
    expect(screen.getByTestId('letter-detail')).toHaveTextContent('<b>not json</b>');
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
  });

  it('lists letters with reason, detail and state, and asks the API with the filters chosen', async () => {
    const user = userEvent.setup();
    const fetch = mockFetch({
      [base]: (url: URL, init?: RequestInit) =>
        bearerOf(init)
          ? jsonResponse({
              items:
                url.searchParams.get('state') === 'dead' ? [letter(3)] : [letter(3), letter(2, { state: 'replayed', event_id: 'e-1' })],
            })
          : unauthorized(),
      [`${base}/reasons`]: reasons,
    });
    renderWithProviders(<DeadLettersPage />, { route: '/dead-letters', session: operator() });

    expect(await screen.findAllByTestId('dead-letter-row')).toHaveLength(2);
    expect(screen.getAllByTestId('letter-reason')[0]).toHaveTextContent('unknown_theater');
    expect(screen.getAllByTestId('letter-state')[1]).toHaveTextContent('Replayed');
    expect(screen.getByTestId('dead-letters-dead-count')).toHaveTextContent('3');

    await user.selectOptions(screen.getByTestId('filter-state'), 'dead');
    await user.selectOptions(screen.getByTestId('filter-reason'), 'unknown_theater');
    await user.type(screen.getByTestId('filter-theater'), '31');
    await user.click(screen.getByTestId('filter-apply'));

    await waitFor(() => expect(screen.getAllByTestId('dead-letter-row')).toHaveLength(1));
    const asked = fetch.mock.calls
      .map(([input]) => new URL(String(input), 'http://localhost'))
      .filter((url) => url.pathname === base)
      .at(-1);
    expect(Object.fromEntries(asked?.searchParams ?? [])).toEqual({ reason: 'unknown_theater', state: 'dead', theater_id: '31' });
  });

  it('replays the selected letters and shows what happened to each', async () => {
    const user = userEvent.setup();
    let replayed: unknown;
    mockFetch({
      [base]: { items: [letter(3), letter(2)] },
      [`${base}/reasons`]: reasons,
      [`${base}/replay`]: async (_: URL, init?: RequestInit) => {
        replayed = JSON.parse(String(init?.body));
        return jsonResponse({
          changed: 1,
          results: [
            { id: 3, outcome: 'replay_requested', state: 'replay_requested' },
            { id: 2, outcome: 'unchanged', state: 'replayed' },
          ],
        });
      },
    });
    renderWithProviders(<DeadLettersPage />, { route: '/dead-letters', session: operator() });

    await screen.findAllByTestId('dead-letter-row');
    expect(screen.getByTestId('replay')).toBeDisabled();
    await user.click(screen.getByTestId('select-all'));
    expect(screen.getByTestId('selected-count')).toHaveTextContent('2 selected');
    await user.click(screen.getByTestId('replay'));

    expect(await screen.findByTestId('action-result')).toHaveTextContent('Replay: 1 of 2 changed. #2 unchanged (Replayed)');
    expect(replayed).toEqual({ ids: [3, 2] });
  });

  it('discards only with a note, and sends it', async () => {
    const user = userEvent.setup();
    let discarded: unknown;
    mockFetch({
      [base]: { items: [letter(3), letter(2)] },
      [`${base}/reasons`]: reasons,
      [`${base}/discard`]: async (_: URL, init?: RequestInit) => {
        discarded = JSON.parse(String(init?.body));
        return jsonResponse({ changed: 1, results: [{ id: 2, outcome: 'discarded', state: 'discarded' }] });
      },
    });
    renderWithProviders(<DeadLettersPage />, { route: '/dead-letters', session: operator() });

    const rows = await screen.findAllByTestId('dead-letter-row');
    const second = rows[1];
    if (!second) throw new Error('two rows expected');
    await user.click(within(second).getByTestId('select-letter'));
    await user.click(screen.getByTestId('discard'));
    const dialog = screen.getByTestId('discard-dialog');
    expect(within(dialog).getByTestId('discard-confirm')).toBeDisabled();
    await user.type(within(dialog).getByTestId('discard-note'), 'load-test message');
    await user.click(within(dialog).getByTestId('discard-confirm'));

    expect(await screen.findByTestId('action-result')).toHaveTextContent('Discard: 1 of 1 changed.');
    expect(discarded).toEqual({ ids: [2], note: 'load-test message' });
    expect(screen.queryByTestId('discard-dialog')).not.toBeInTheDocument();
  });

  it('tells a viewer the console is not for their role', async () => {
    mockFetch({
      [base]: () => jsonResponse({ title: 'Forbidden', status: 403 }, 403),
      [`${base}/reasons`]: () => jsonResponse({ title: 'Forbidden', status: 403 }, 403),
    });
    renderWithProviders(<DeadLettersPage />, { route: '/dead-letters' });

    expect(await screen.findByTestId('error')).toHaveTextContent('Your role may not see this');
  });

  it('links the console in the header for operators and admins only', async () => {
    mockFetch({});
    const { unmount } = renderWithProviders(<AppHeader />, { session: operator() });
    expect(await screen.findByRole('link', { name: 'Dead letters' })).toHaveAttribute('href', '/dead-letters');
    unmount();
    renderWithProviders(<AppHeader />, { session: testSession({ role: 'viewer' }) });
    expect(await screen.findByTestId('user-role')).toHaveTextContent('viewer');
    expect(screen.queryByRole('link', { name: 'Dead letters' })).not.toBeInTheDocument();
  });
});
