import type { PipelineState } from '../status/types';

/** What the header calls each state of the pipeline (GET /status). */
export const PIPELINE_LABELS: Record<PipelineState, string> = { live: 'Live', lagging: 'Lagging', stalled: 'Stalled' };

/** The colour of a state: green while live, amber while lagging or not yet known, red when stalled. */
export function freshnessLevel(state: PipelineState | undefined): 'fresh' | 'stale' | 'old' {
  if (state === 'live') return 'fresh';
  if (state === 'stalled') return 'old';
  return 'stale';
}

/**
 * Age in seconds of the newest sale stored now: its age when the status was sent, plus the time since it arrived
 * (measured on the browser's clock only, so a browser whose clock is off still counts right).
 */
export function newestSaleAge(ageAtStatus: number, statusReceivedAt: number, now: number): number {
  return ageAtStatus + Math.max(0, (now - statusReceivedAt) / 1000);
}
