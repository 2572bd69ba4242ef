import { formatAge } from '../format';
import type { LiveConnection } from '../hooks/useLiveTotals';
import { useNow } from '../hooks/useNow';
import { freshnessLevel } from './freshness';

/** How old the newest live number is (from its `as_of`), ticking every second. */
export function FreshnessIndicator({ asOf, connection }: { asOf: string | undefined; connection: LiveConnection }) {
  const now = useNow(1_000);
  const asOfMs = asOf ? Date.parse(asOf) : Number.NaN;
  // Clocks of browser and server differ a little: never show an age below zero.
  const age = Number.isNaN(asOfMs) ? undefined : Math.max(0, (now - asOfMs) / 1000);
  const level = age === undefined ? 'stale' : freshnessLevel(age, connection);
  const state = connection === 'open' ? 'Live' : connection === 'connecting' ? 'Connecting' : 'Reconnecting';
  return (
    <span className={`freshness freshness--${level}`} data-testid="freshness" data-age-seconds={age?.toFixed(0)}>
      <span className="freshness__dot" aria-hidden="true" />
      <span className="freshness__state">{state}</span>
      <span className="freshness__age">
        {age === undefined ? ' · waiting for the first update' : ` · updated ${formatAge(age)}`}
      </span>
    </span>
  );
}
