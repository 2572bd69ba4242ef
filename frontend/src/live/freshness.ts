import type { LiveConnection } from '../hooks/useLiveTotals';

/** Seconds after which the newest number is called stale, then old. */
export const STALE_AFTER_S = 30;
export const OLD_AFTER_S = 120;

export function freshnessLevel(ageSeconds: number, connection: LiveConnection): 'fresh' | 'stale' | 'old' {
  if (connection !== 'open' || ageSeconds >= OLD_AFTER_S) return ageSeconds >= OLD_AFTER_S ? 'old' : 'stale';
  return ageSeconds >= STALE_AFTER_S ? 'stale' : 'fresh';
}
