import { RevenuePaceChart } from '../charts/RevenuePaceChart';
import { zoneLabel } from '../businessDay/zone';
import { Card } from '../components/Card';
import { ErrorState, LoadingState } from '../components/StatusMessage';
import { formatSignedPercent, formatUsd } from '../format';
import { useApiResource } from '../hooks/useApiResource';

export const PACE_REFRESH_MS = 30_000;

function PaceChange({ ratio }: { ratio: number | null }) {
  if (ratio === null || !Number.isFinite(ratio)) return <span className="change">no sales last week to compare</span>;
  const change = ratio - 1;
  const direction = change > 0.0005 ? 'up' : change < -0.0005 ? 'down' : 'flat';
  const arrow = direction === 'up' ? '▲' : direction === 'down' ? '▼' : '■';
  return (
    <span className={`change change--${direction}`} data-testid="pace-change">
      <span aria-hidden="true">{arrow} </span>
      {formatSignedPercent(change)} vs last week
    </span>
  );
}

/**
 * The revenue of today's business date, cumulative, against the business date a week earlier up to the same time
 * into its day (`GET /pace`, refreshed every 30 s); drawn in the chain's local time, which the card names.
 */
export function RevenuePaceCard() {
  const pace = useApiResource('pace', (api, signal) => api.pace(signal), { refreshMs: PACE_REFRESH_MS });
  return (
    <Card title={pace.data ? `Revenue pace · times in ${zoneLabel(pace.data.time_zone)}` : 'Revenue pace'} testId="pace-card">
      {pace.loading && <LoadingState label="Loading revenue pace…" />}
      {pace.error !== undefined && <ErrorState error={pace.error} onRetry={pace.reload} />}
      {pace.data && (
        <>
          <p className="pace-summary">
            <span>
              Today <strong className="num">{formatUsd(pace.data.today.revenue)}</strong>
            </span>
            <span>
              Same time last week <strong className="num">{formatUsd(pace.data.last_week.revenue)}</strong>
            </span>
            <PaceChange ratio={pace.data.ratio} />
          </p>
          <RevenuePaceChart series={pace.data.series} timeZone={pace.data.time_zone} />
        </>
      )}
    </Card>
  );
}
