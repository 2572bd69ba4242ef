import type { Theater } from '../api/types';
import { DailyRevenueChart } from '../charts/DailyRevenueChart';
import { revenueByDate } from './revenueByDate';
import { TableScroll } from '../components/TableScroll';
import { Card } from '../components/Card';
import { EmptyState, ErrorState, LoadingState } from '../components/StatusMessage';
import { formatInteger, formatShortDate, formatUsd, isIsoDate } from '../format';
import { useApiResource } from '../hooks/useApiResource';

/** Each movie's sales at a theater by date (`GET /theaters/{id}/movies`), as a chart and a table. */
export function MovieSalesCard({
  theater,
  from,
  to,
  onRangeChange,
}: {
  theater: Theater;
  from: string;
  to: string;
  onRangeChange: (range: { from: string; to: string }) => void;
}) {
  const valid = isIsoDate(from) && isIsoDate(to) && from <= to;
  const sales = useApiResource(
    `movies|${theater.theater_id}|${from}|${to}`,
    (api, signal) => api.theaterMovies(theater.theater_id, { from, to }, signal),
    { enabled: valid },
  );
  const rows = sales.data ?? [];
  const totalTickets = rows.reduce((sum, r) => sum + r.tickets_sold, 0);
  const totalRevenue = rows.reduce((sum, r) => sum + r.revenue, 0);

  return (
    <Card
      title="Movie sales by date"
      testId="movie-sales-card"
      actions={
        <div className="range">
          <label className="field field--inline">
            <span className="field__label">From</span>
            <input
              type="date"
              className="input"
              value={from}
              max={to}
              onChange={(event) => onRangeChange({ from: event.target.value, to })}
              data-testid="sales-from"
            />
          </label>
          <label className="field field--inline">
            <span className="field__label">To</span>
            <input
              type="date"
              className="input"
              value={to}
              min={from}
              onChange={(event) => onRangeChange({ from, to: event.target.value })}
              data-testid="sales-to"
            />
          </label>
        </div>
      }
    >
      {!valid && <EmptyState>Pick a start date on or before the end date.</EmptyState>}
      {sales.loading && <LoadingState label="Loading movie sales…" />}
      {sales.error !== undefined && <ErrorState error={sales.error} onRetry={sales.reload} />}
      {sales.data && rows.length === 0 && (
        <EmptyState testId="movie-sales-empty">
          No tickets sold between {formatShortDate(from)} and {formatShortDate(to)}.
        </EmptyState>
      )}
      {rows.length > 0 && (
        <>
          <DailyRevenueChart points={revenueByDate(rows)} label={`Revenue per day at ${theater.name}`} />
          <TableScroll label="Movie sales by date" tall>
            <table className="table" data-testid="movie-sales-table">
              <caption className="sr-only">Sales per movie and date, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col">Movie</th>
                  <th scope="col" className="num hide-narrow">
                    Tickets
                  </th>
                  <th scope="col" className="num">
                    Revenue
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <tr key={`${row.sale_date}|${row.movie_id}`} data-testid="movie-sales-row">
                    <td className="nowrap">{formatShortDate(row.sale_date)}</td>
                    <td>{row.title}</td>
                    <td className="num hide-narrow">{formatInteger(row.tickets_sold)}</td>
                    <td className="num">{formatUsd(row.revenue)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={2}>
                    Total
                  </th>
                  <td className="num hide-narrow">{formatInteger(totalTickets)}</td>
                  <td className="num" data-testid="movie-sales-total">
                    {formatUsd(totalRevenue)}
                  </td>
                </tr>
              </tfoot>
            </table>
          </TableScroll>
        </>
      )}
    </Card>
  );
}
