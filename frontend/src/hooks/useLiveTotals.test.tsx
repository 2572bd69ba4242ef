import { act, renderHook } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackendProvider } from '../backend/BackendProvider';
import { FakeEventSource } from '../test/fakeEventSource';
import { liveTotals } from '../test/fixtures';
import { mockFetch } from '../test/render';
import { LIVE_RECONNECT_MIN_MS, useLiveTotals } from './useLiveTotals';

const wrapper = ({ children }: { children: ReactNode }) => <BackendProvider>{children}</BackendProvider>;

describe('useLiveTotals', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    mockFetch({ '/api/dapper/alive': new Response('Healthy') });
  });
  afterEach(() => vi.useRealTimers());

  it('reopens a stream the browser closed for good, and keeps the last totals meanwhile', () => {
    const { result } = renderHook(() => useLiveTotals(), { wrapper });
    const first = FakeEventSource.latest();
    act(() => {
      first.open();
      first.emit('totals', liveTotals());
    });
    expect(result.current.connection).toBe('open');

    act(() => first.fail(true));
    expect(result.current.connection).toBe('reconnecting');
    expect(result.current.totals?.revenue).toBe(1234.5);
    expect(FakeEventSource.instances).toHaveLength(1);

    act(() => vi.advanceTimersByTime(LIVE_RECONNECT_MIN_MS));
    expect(FakeEventSource.instances).toHaveLength(2);
    const second = FakeEventSource.latest();
    act(() => second.emit('totals', liveTotals({ revenue: 99 })));
    expect(result.current).toMatchObject({ connection: 'open', totals: { revenue: 99 } });
  });

  it('leaves a dropped stream to the browser, which reconnects it', () => {
    const { result } = renderHook(() => useLiveTotals(), { wrapper });
    act(() => FakeEventSource.latest().fail(false));
    expect(result.current.connection).toBe('reconnecting');
    act(() => vi.advanceTimersByTime(60_000));
    expect(FakeEventSource.instances).toHaveLength(1);
  });

  it('skips a malformed event', () => {
    const { result } = renderHook(() => useLiveTotals(), { wrapper });
    act(() => FakeEventSource.latest().emit('totals', '{not json'));
    expect(result.current.totals).toBeUndefined();
  });
});
