import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeEventSource } from '../test/fakeEventSource';
import { liveTotals } from '../test/fixtures';
import { Providers } from '../test/Providers';
import { bearerOf, jsonResponse, mockFetch, unauthorized } from '../test/render';
import { LIVE_RECONNECT_MIN_MS, useLiveTotals } from './useLiveTotals';

/** Lets pending promises (the ticket request) settle under fake timers. */
const settle = () => act(() => vi.advanceTimersByTimeAsync(0));

describe('useLiveTotals', () => {
  let issued: string[];

  beforeEach(() => {
    vi.useFakeTimers();
    issued = [];
    mockFetch({
      '/api/dapper/alive': () => new Response('Healthy'),
      '/api/dapper/live/tickets': (_url: URL, init: RequestInit | undefined) => {
        if (init?.method !== 'POST' || !bearerOf(init)) return unauthorized();
        const ticket = `t${issued.length + 1}`;
        issued.push(ticket);
        return jsonResponse({ ticket, expires_at: new Date(Date.now() + 30_000).toISOString() });
      },
    });
  });
  afterEach(() => vi.useRealTimers());

  it('gets a ticket with the bearer token first, then opens the stream with it', async () => {
    renderHook(() => useLiveTotals(), { wrapper: Providers });
    await settle();
    expect(issued).toEqual(['t1']);
    expect(FakeEventSource.latest().url).toBe('/api/dapper/live?ticket=t1');
  });

  it('reopens a stream that failed with a new ticket, and keeps the last totals meanwhile', async () => {
    const { result } = renderHook(() => useLiveTotals(), { wrapper: Providers });
    await settle();
    const first = FakeEventSource.latest();
    act(() => {
      first.open();
      first.emit('totals', liveTotals());
    });
    expect(result.current.connection).toBe('open');

    act(() => first.fail(false));
    expect(result.current.connection).toBe('reconnecting');
    expect(result.current.totals?.revenue).toBe(1234.5);
    // The browser would retry with the spent ticket: the stream is closed and reopened here instead.
    expect(first.readyState).toBe(FakeEventSource.CLOSED);
    expect(FakeEventSource.instances).toHaveLength(1);

    await act(() => vi.advanceTimersByTimeAsync(LIVE_RECONNECT_MIN_MS));
    expect(FakeEventSource.instances).toHaveLength(2);
    const second = FakeEventSource.latest();
    expect(second.url).toBe('/api/dapper/live?ticket=t2');
    act(() => second.emit('totals', liveTotals({ revenue: 99 })));
    expect(result.current).toMatchObject({ connection: 'open', totals: { revenue: 99 } });
  });

  it('backs off while streams keep failing', async () => {
    renderHook(() => useLiveTotals(), { wrapper: Providers });
    await settle();
    act(() => FakeEventSource.latest().fail(true));
    await act(() => vi.advanceTimersByTimeAsync(LIVE_RECONNECT_MIN_MS));
    expect(FakeEventSource.instances).toHaveLength(2);
    act(() => FakeEventSource.latest().fail(true));
    await act(() => vi.advanceTimersByTimeAsync(LIVE_RECONNECT_MIN_MS));
    expect(FakeEventSource.instances).toHaveLength(2);
    await act(() => vi.advanceTimersByTimeAsync(LIVE_RECONNECT_MIN_MS));
    expect(FakeEventSource.instances).toHaveLength(3);
  });

  it('skips a malformed event', async () => {
    const { result } = renderHook(() => useLiveTotals(), { wrapper: Providers });
    await settle();
    act(() => FakeEventSource.latest().emit('totals', '{not json'));
    expect(result.current.totals).toBeUndefined();
  });
});
