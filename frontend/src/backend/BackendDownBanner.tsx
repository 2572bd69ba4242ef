import { BACKEND_LABELS, type Backend } from '../api/backend';
import { formatDuration } from '../format';
import { useNow } from '../hooks/useNow';
import { useBackend, useBackendHealth } from './context';

function DownFor({ since }: { since: number }) {
  const now = useNow(1_000);
  const seconds = Math.max(0, (now - since) / 1000);
  return <span className="banner__age">(down for {formatDuration(seconds)})</span>;
}

/** Names the selected backend while it does not answer; disappears by itself when it does again. */
export function BackendDownBanner() {
  const { backend, setBackend } = useBackend();
  const { down, downSince, probe } = useBackendHealth();
  const other: Backend = backend === 'dapper' ? 'ef' : 'dapper';
  return (
    <div className="banner-region" aria-live="assertive">
      {down && (
        <div className="banner banner--error" role="alert" data-testid="backend-down-banner">
          <p className="banner__text">
            <strong>The {BACKEND_LABELS[backend]} backend is not responding.</strong> Retrying automatically…{' '}
            {downSince !== undefined && <DownFor since={downSince} />}
          </p>
          <div className="banner__actions">
            <button type="button" className="button button--small button--on-dark" onClick={probe}>
              Retry now
            </button>
            <button type="button" className="button button--small button--on-dark" onClick={() => setBackend(other)}>
              Switch to {BACKEND_LABELS[other]}
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
