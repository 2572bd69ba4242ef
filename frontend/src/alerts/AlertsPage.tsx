import { useSearchParams } from 'react-router';
import { EmptyState, ErrorState, LoadingState } from '../components/StatusMessage';
import { TableScroll } from '../components/TableScroll';
import { useApiResource } from '../hooks/useApiResource';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { SEVERITY_LABELS, formatInstant, ruleLabel } from './labels';

/** How many alerts the page lists, and how often it reloads them. */
export const ALERTS_SHOWN = 200;
export const ALERTS_REFRESH_MS = 15_000;

/** Alerts, newest first (`GET /alerts`): open ones only, or the whole history. */
export function AlertsPage() {
  useDocumentTitle('Alerts');
  const [params, setParams] = useSearchParams();
  const state = params.get('state') === 'open' ? 'open' : 'all';
  const alerts = useApiResource(`alerts|${state}`, (api, signal) => api.alerts({ state, limit: ALERTS_SHOWN }, signal), {
    refreshMs: ALERTS_REFRESH_MS,
  });
  const rows = alerts.data ?? [];

  return (
    <div className="page" data-testid="alerts-page">
      <div className="page__heading">
        <div>
          <h1 className="page__title">Alerts</h1>
          <p className="page__subtitle">Sell-out watch, quiet theaters, a stalled pipeline and rising dead letters, as they were raised.</p>
        </div>
      </div>
      <section className="card" aria-label="Alert list">
        <div className="toolbar">
          <label className="field">
            <span className="field__label">Show</span>
            <select
              className="input"
              value={state}
              data-testid="alert-state-filter"
              onChange={(event) => setParams(event.target.value === 'open' ? { state: 'open' } : {}, { replace: true })}
            >
              <option value="all">All alerts</option>
              <option value="open">Open alerts</option>
            </select>
          </label>
        </div>
        <div className="card__body card__body--flush">
          {alerts.loading && <LoadingState label="Loading alerts…" />}
          {alerts.error !== undefined && <ErrorState error={alerts.error} onRetry={alerts.reload} />}
          {alerts.data && rows.length === 0 && (
            <EmptyState testId="alerts-empty">{state === 'open' ? 'No alert is open.' : 'No alert has been raised yet.'}</EmptyState>
          )}
          {rows.length > 0 && (
            <TableScroll label="Alerts">
              <table className="table" data-testid="alert-table">
                <caption className="sr-only">Alerts</caption>
                <thead>
                  <tr>
                    <th scope="col">Raised</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Alert</th>
                    <th scope="col">What happened</th>
                    <th scope="col">Resolved</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((alert) => (
                    <tr key={alert.alert_id} data-testid="alert-row" data-rule={alert.rule}>
                      <td>{formatInstant(alert.raised_at)}</td>
                      <td>
                        <span className={`severity severity--${alert.severity}`}>{SEVERITY_LABELS[alert.severity] ?? alert.severity}</span>
                      </td>
                      <td>{ruleLabel(alert.rule)}</td>
                      <td>{alert.message}</td>
                      <td>{alert.resolved_at ? formatInstant(alert.resolved_at) : <strong>Open</strong>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableScroll>
          )}
        </div>
      </section>
    </div>
  );
}
