import type { ReactNode } from 'react';
import { LiveStreamContext, useLiveStream } from '../hooks/useLiveTotals';

/** Opens the dashboard's one live stream (`GET /live`) for everything below: totals, pipeline status, open alerts. */
export function LiveStreamProvider({ children }: { children: ReactNode }) {
  const stream = useLiveStream(true);
  return <LiveStreamContext.Provider value={stream}>{children}</LiveStreamContext.Provider>;
}
