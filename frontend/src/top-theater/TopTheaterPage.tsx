import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { isApiError } from '../api/client';
import { Card } from '../components/Card';
import { KpiCard } from '../components/KpiCard';
import { EmptyState, ErrorState, LoadingState } from '../components/StatusMessage';
import { addDays, formatInteger, formatLongDate, formatUsd, isIsoDate, todayIso } from '../format';
import { useApiResource } from '../hooks/useApiResource';
import { useDocumentTitle } from '../hooks/useDocumentTitle';

/** The theater that sold the most on a date (`GET /top-theater/{date}`); 404 means no sales that day. */
export function TopTheaterPage() {
  useDocumentTitle('Top theater by date');
  const [params, setParams] = useSearchParams();
  const requested = params.get('date');
  // Without a date, the chain's business date today (the API's default), not the browser's calendar date.
  const businessDay = useApiResource('business-day', (api, signal) => api.businessDay(signal), { enabled: requested === null });
  const date = requested ?? businessDay.data?.today ?? (businessDay.error !== undefined ? todayIso() : '');
  // What is typed in the date field, and for which shown date it was typed: it gives way when the shown date changes
  // (previous/next day, the address), except when the business date arrives: a date typed while it loaded is kept.
  const [draft, setDraft] = useState<{ for: string; value: string }>({ for: date, value: date });
  const typedWhileLoading = draft.for === '' && draft.value !== '' && requested === null;
  const draftValue = draft.for === date || typedWhileLoading ? draft.value : date;
  const valid = isIsoDate(date);
  const top = useApiResource(`top|${date}`, (api, signal) => api.topTheater(date, signal), { enabled: valid });
  const noSales = isApiError(top.error) && top.error.isNotFound;

  const show = (next: string) => {
    setDraft({ for: next, value: next });
    setParams({ date: next });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (isIsoDate(draftValue)) show(draftValue);
  };

  return (
    <div className="page" data-testid="top-theater-page">
      <div className="page__heading">
        <div>
          <h1 className="page__title">Top theater by date</h1>
          <p className="page__subtitle">The theater with the highest revenue on a business date.</p>
        </div>
      </div>
      <form className="card toolbar" onSubmit={submit} aria-label="Choose a date">
        <label className="field">
          <span className="field__label">Business date</span>
          <input
            type="date"
            className="input"
            required
            value={draftValue}
            onChange={(event) => setDraft({ for: date, value: event.target.value })}
            data-testid="top-theater-date"
          />
        </label>
        <div className="toolbar__buttons">
          <button type="submit" className="button button--primary" data-testid="top-theater-submit">
            Show top theater
          </button>
          <button type="button" className="button" onClick={() => show(addDays(date, -1))}>
            <span aria-hidden="true">← </span>Previous day
          </button>
          <button type="button" className="button" onClick={() => show(addDays(date, 1))}>
            Next day<span aria-hidden="true"> →</span>
          </button>
        </div>
      </form>
      {!valid && date !== '' && <EmptyState>“{date}” is not a date. Pick one above.</EmptyState>}
      {businessDay.loading && <LoadingState label="Finding today's business date…" />}
      {top.loading && <LoadingState label="Finding the top theater…" />}
      {noSales && (
        <EmptyState testId="top-theater-no-sales">
          <strong>No ticket sales on {formatLongDate(date)}.</strong> Pick another date.
        </EmptyState>
      )}
      {top.error !== undefined && !noSales && <ErrorState error={top.error} onRetry={top.reload} />}
      {top.data && (
        <Card title={`Top theater on ${formatLongDate(top.data.sale_date)}`} testId="top-theater-result">
          <p className="top-theater__name">
            <span className="trophy" aria-hidden="true">
              ★
            </span>
            <Link to={`/theaters/${top.data.theater_id}`} data-testid="top-theater-name">
              {top.data.name}
            </Link>
          </p>
          <dl className="kpis kpis--compact">
            <KpiCard testId="top-theater-revenue" label="Revenue" value={formatUsd(top.data.revenue)} />
            <KpiCard testId="top-theater-tickets" label="Tickets sold" value={formatInteger(top.data.tickets_sold)} />
            <KpiCard
              testId="top-theater-average"
              label="Average ticket price"
              value={top.data.tickets_sold > 0 ? formatUsd(top.data.revenue / top.data.tickets_sold) : '—'}
            />
          </dl>
        </Card>
      )}
    </div>
  );
}
