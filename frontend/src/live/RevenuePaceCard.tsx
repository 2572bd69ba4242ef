import { RevenuePaceChart } from '../charts/RevenuePaceChart';
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

/** Today's cumulative revenue against the same weekday last week (`GET /pace`, refreshed every 30 s). */
export function RevenuePaceCard() {
  const pace = useApiResource('pace', (api, signal) => api.pace(signal), { refreshMs: PACE_REFRESH_MS });
  return (
    <Card title="Revenue pace" testId="pace-card">
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
          <RevenuePaceChart series={pace.data.series} />
        </>
      )}
    </Card>
  );
}
