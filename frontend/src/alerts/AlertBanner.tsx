import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useLiveTotals } from '../hooks/useLiveTotals';
import type { Alert } from '../status/types';
import { ruleLabel } from './labels';

/** How long a toast for a new alert stays up. */
export const TOAST_MS = 12_000;

/**
 * The open alerts as they happen (the live stream's `alerts` event): a toast for each alert raised while the page is
 * open, and a line with how many are open, linking to the alerts page.
 */
export function AlertBanner() {
  const { alerts } = useLiveTotals();
  const seen = useRef<Set<number> | undefined>(undefined);
  const [toasts, setToasts] = useState<Alert[]>([]);

  useEffect(() => {
    if (!alerts) return;
    // The first list is what was open already: only alerts raised after it are news.
    const fresh = seen.current ? alerts.filter((alert) => !seen.current?.has(alert.alert_id)) : [];
    seen.current = new Set(alerts.map((alert) => alert.alert_id));
    if (fresh.length === 0) return;
    setToasts((current) => [...fresh, ...current].slice(0, 3));
    const timer = setTimeout(() => setToasts((current) => current.filter((toast) => !fresh.includes(toast))), TOAST_MS);
    return () => clearTimeout(timer);
  }, [alerts]);

  const open = alerts ?? [];
  const urgent = open.filter((alert) => alert.severity !== 'info');
  if (open.length === 0 && toasts.length === 0) return null;
  return (
    <div className="alert-banner" data-testid="alert-banner">
      {open.length > 0 && (
        <p
          className={`alert-banner__summary alert-banner__summary--${urgent.some((a) => a.severity === 'critical') ? 'critical' : urgent.length > 0 ? 'warning' : 'info'}`}
        >
          <strong>
            {open.length} open alert{open.length === 1 ? '' : 's'}
          </strong>
          {urgent[0] ? ` · ${urgent[0].message}` : ''} <Link to="/alerts">See alerts</Link>
        </p>
      )}
      <ul className="toasts" aria-live="assertive">
        {toasts.map((toast) => (
          <li key={toast.alert_id} className={`toast toast--${toast.severity}`} data-testid="alert-toast">
            <strong>{ruleLabel(toast.rule)}</strong> {toast.message}
            <button
              type="button"
              className="toast__close"
              aria-label="Dismiss"
              onClick={() => setToasts((current) => current.filter((t) => t !== toast))}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
