import { formatAge } from '../format';
import type { LiveConnection } from '../hooks/useLiveTotals';
import { useNow } from '../hooks/useNow';
import type { PipelineStatus } from '../status/types';
import { PIPELINE_LABELS, freshnessLevel, newestSaleAge } from './freshness';

/**
 * The pipeline's state as the APIs see it (live, lagging, stalled: the stream's `status` event), with the age of the
 * newest sale stored, ticking every second. Whether this browser is connected is shown beside it, apart: a stopped
 * consumer is "Stalled" however well the browser is connected.
 */
export function FreshnessIndicator({
  status,
  receivedAt,
  connection,
}: {
  status: PipelineStatus | undefined;
  receivedAt: number | undefined;
  connection: LiveConnection;
}) {
  const now = useNow(1_000);
  const sale = status?.newest_sale;
  const age = sale ? newestSaleAge(sale.age_seconds, receivedAt ?? now, now) : undefined;
  const label = status ? PIPELINE_LABELS[status.state] : 'Checking';
  return (
    <span className="pipeline-status">
      <span
        className={`freshness freshness--${freshnessLevel(status?.state)}`}
        data-testid="freshness"
        data-state={status?.state ?? 'unknown'}
        data-age-seconds={age?.toFixed(0)}
        title={status?.reason}
      >
        <span className="freshness__dot" aria-hidden="true" />
        <span className="freshness__state">{label}</span>
        <span className="freshness__age">
          {!status ? ' · waiting for the pipeline' : age === undefined ? ' · no sale stored yet' : ` · newest sale ${formatAge(age)}`}
        </span>
      </span>
      {connection !== 'open' && (
        <span className="connection-lost" data-testid="connection" role="status">
          {connection === 'connecting' ? 'Connecting…' : 'Connection lost · reconnecting'}
        </span>
      )}
    </span>
  );
}
