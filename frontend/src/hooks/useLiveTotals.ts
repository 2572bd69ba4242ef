import { createContext, useContext, useEffect, useState } from 'react';
import { isApiError } from '../api/client';
import type { LiveTotals } from '../api/types';
import { useBackend, useBackendHealth } from '../backend/context';
import type { Alert, PipelineStatus } from '../status/types';

export type LiveConnection = 'connecting' | 'open' | 'reconnecting';

export interface LiveTotalsState {
  totals: LiveTotals | undefined;
  connection: LiveConnection;
  /** The pipeline's state (event `status`), with when it arrived (browser clock, ms). */
  status?: PipelineStatus;
  statusReceivedAt?: number;
  /** The open alerts (event `alerts`). */
  alerts?: Alert[];
}

/** The dashboard's one live stream, shared by the header, the alert banner and the live page (see `LiveStreamProvider`). */
export const LiveStreamContext = createContext<LiveTotalsState | null>(null);

/**
 * The live stream of the dashboard: the shared one when a `LiveStreamProvider` is above, otherwise a stream of
 * this component's own.
 */
export function useLiveTotals(): LiveTotalsState {
  const shared = useContext(LiveStreamContext);
  const own = useLiveStream(shared === null);
  return shared ?? own;
}

/** First and longest wait before reopening a stream that failed (with a new ticket). */
export const LIVE_RECONNECT_MIN_MS = 2_000;
export const LIVE_RECONNECT_MAX_MS = 15_000;

interface State extends LiveTotalsState {
  /** The backend these totals came from. */
  key: string;
}

/**
 * Follows `GET /live` (Server-Sent Events, event `totals`) of the selected backend. EventSource
 * cannot send a bearer token, so each connection first gets a single-use ticket
 * (`POST /live/tickets`, with the token) and opens `/live?ticket=…`. The browser's own reconnect
 * would reuse a spent ticket, so on any error the stream is closed here and reopened with a new
 * ticket, with backoff.
 */
export function useLiveStream(enabled = true): LiveTotalsState {
  const { api } = useBackend();
  const { probe, recoveries } = useBackendHealth();
  const key = api.backend;
  const [state, setState] = useState<State>({ key, totals: undefined, connection: 'connecting' });

  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let source: EventSource | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = LIVE_RECONNECT_MIN_MS;
    const stopped = () => controller.signal.aborted;

    const update = (patch: Partial<LiveTotalsState>) =>
      setState((previous) => {
        const base = previous.key === key ? previous : { key, totals: undefined, connection: 'connecting' as const };
        return { ...base, ...patch };
      });

    const retry = () => {
      if (stopped()) return;
      update({ connection: 'reconnecting' });
      timer = setTimeout(() => void connect(), delay);
      delay = Math.min(delay * 2, LIVE_RECONNECT_MAX_MS);
    };

    const connect = async () => {
      let ticket: string;
      try {
        ticket = (await api.liveTicket(controller.signal)).ticket;
      } catch (error) {
        if (stopped()) return;
        // A session that has ended is being taken care of (sign-in); anything else is retried.
        if (isApiError(error) && error.status === 401) return;
        if (!isApiError(error) || error.isUnavailable) probe();
        retry();
        return;
      }
      if (stopped()) return;
      const opened = new EventSource(api.liveUrl(ticket));
      source = opened;
      opened.addEventListener('open', () => {
        delay = LIVE_RECONNECT_MIN_MS;
        update({ connection: 'open' });
      });
      opened.addEventListener('totals', (event) => {
        try {
          const totals = JSON.parse((event as MessageEvent<string>).data) as LiveTotals;
          delay = LIVE_RECONNECT_MIN_MS;
          update({ totals, connection: 'open' });
        } catch {
          // A malformed event is skipped; the next one replaces it.
        }
      });
      opened.addEventListener('status', (event) => {
        try {
          const status = JSON.parse((event as MessageEvent<string>).data) as PipelineStatus;
          update({ status, statusReceivedAt: Date.now(), connection: 'open' });
        } catch {
          // Skipped, as a malformed totals event is.
        }
      });
      opened.addEventListener('alerts', (event) => {
        try {
          update({ alerts: JSON.parse((event as MessageEvent<string>).data) as Alert[], connection: 'open' });
        } catch {
          // Skipped, as a malformed totals event is.
        }
      });
      opened.addEventListener('error', () => {
        if (stopped() || source !== opened) return;
        opened.close();
        source = undefined;
        probe();
        retry();
      });
    };

    void connect();
    return () => {
      controller.abort();
      clearTimeout(timer);
      source?.close();
    };
  }, [api, key, probe, recoveries, enabled]);

  if (state.key !== key) return { totals: undefined, connection: 'connecting' };
  return state;
}
