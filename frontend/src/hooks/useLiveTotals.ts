import { useEffect, useState } from 'react';
import type { LiveTotals } from '../api/types';
import { useBackend, useBackendHealth } from '../backend/context';

export type LiveConnection = 'connecting' | 'open' | 'reconnecting';

export interface LiveTotalsState {
  totals: LiveTotals | undefined;
  connection: LiveConnection;
}

/** First and longest wait before reopening a stream the browser gave up on. */
export const LIVE_RECONNECT_MIN_MS = 2_000;
export const LIVE_RECONNECT_MAX_MS = 15_000;

interface State extends LiveTotalsState {
  url: string;
}

/**
 * Follows `GET /live` (Server-Sent Events, event `totals`) of the selected backend. The browser
 * reconnects a dropped stream by itself; a stream it closed for good (an error answer, e.g. the
 * proxy's 502 while the backend is down) is reopened here with backoff.
 */
export function useLiveTotals(): LiveTotalsState {
  const { api } = useBackend();
  const { probe, recoveries } = useBackendHealth();
  const url = api.liveUrl();
  const [state, setState] = useState<State>({ url, totals: undefined, connection: 'connecting' });

  useEffect(() => {
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let delay = LIVE_RECONNECT_MIN_MS;

    const update = (patch: Partial<LiveTotalsState>) =>
      setState((previous) => {
        const base = previous.url === url ? previous : { url, totals: undefined, connection: 'connecting' as const };
        return { ...base, ...patch };
      });

    const connect = () => {
      if (stopped) return;
      source = new EventSource(url);
      source.addEventListener('open', () => {
        delay = LIVE_RECONNECT_MIN_MS;
        update({ connection: 'open' });
      });
      source.addEventListener('totals', (event) => {
        try {
          const totals = JSON.parse((event as MessageEvent<string>).data) as LiveTotals;
          delay = LIVE_RECONNECT_MIN_MS;
          update({ totals, connection: 'open' });
        } catch {
          // A malformed event is skipped; the next one replaces it.
        }
      });
      source.addEventListener('error', () => {
        if (stopped || !source) return;
        update({ connection: 'reconnecting' });
        probe();
        if (source.readyState === EventSource.CLOSED) {
          source.close();
          timer = setTimeout(connect, delay);
          delay = Math.min(delay * 2, LIVE_RECONNECT_MAX_MS);
        }
      });
    };

    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [url, probe, recoveries]);

  if (state.url !== url) return { totals: undefined, connection: 'connecting' };
  return { totals: state.totals, connection: state.connection };
}
