import type { Theater } from '../api/types';
import { TableScroll } from '../components/TableScroll';
import { Card } from '../components/Card';
import { OccupancyBar } from '../components/OccupancyBar';
import { EmptyState, ErrorState, LoadingState } from '../components/StatusMessage';
import { formatInteger, formatLongDate, formatPercent, formatTimeInZone, isIsoDate, timeZoneAbbreviation } from '../format';
import { useApiResource } from '../hooks/useApiResource';

export const SHOWTIMES_REFRESH_MS = 60_000;

/** A theater's showtimes on one date (`GET /theaters/{id}/showtimes`) with how full each is. */
export function ShowtimesCard({ theater, date, onDateChange }: { theater: Theater; date: string; onDateChange: (date: string) => void }) {
  const valid = isIsoDate(date);
  const showtimes = useApiResource(
    `showtimes|${theater.theater_id}|${date}`,
    (api, signal) => api.theaterShowtimes(theater.theater_id, date, signal),
    { refreshMs: SHOWTIMES_REFRESH_MS, enabled: valid },
  );
  const rows = [...(showtimes.data ?? [])].sort((a, b) => a.starts_at.localeCompare(b.starts_at));
  const sold = rows.reduce((sum, s) => sum + s.tickets_sold, 0);
  const capacity = rows.reduce((sum, s) => sum + s.capacity, 0);
  const zone = timeZoneAbbreviation(theater.time_zone);

  return (
    <Card
      title="Showtimes"
      testId="showtimes-card"
      actions={
        <label className="field field--inline">
          <span className="field__label">Date</span>
          <input
            type="date"
            className="input"
            value={date}
            required
            onChange={(event) => onDateChange(event.target.value)}
            data-testid="showtimes-date"
          />
        </label>
      }
    >
      {!valid && <EmptyState>Pick a date to see its showtimes.</EmptyState>}
      {showtimes.loading && <LoadingState label="Loading showtimes…" />}
      {showtimes.error !== undefined && <ErrorState error={showtimes.error} onRetry={showtimes.reload} />}
      {showtimes.data && rows.length === 0 && <EmptyState testId="showtimes-empty">No showtimes on {formatLongDate(date)}.</EmptyState>}
      {rows.length > 0 && (
        <>
          <p className="card__summary" data-testid="showtimes-summary">
            {formatInteger(rows.length)} showtimes on {formatLongDate(date)} · {formatInteger(sold)} of {formatInteger(capacity)} seats sold
            ({formatPercent(capacity > 0 ? sold / capacity : 0)})
          </p>
          <TableScroll label="Showtimes" tall>
            <table className="table" data-testid="showtimes-table">
              <caption className="sr-only">
                Showtimes on {formatLongDate(date)}, times in {zone}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Time ({zone})</th>
                  <th scope="col">Movie</th>
                  <th scope="col" className="hide-narrow">
                    Screen
                  </th>
                  <th scope="col" className="hide-narrow">
                    Format
                  </th>
                  <th scope="col" className="num hide-narrow">
                    Sold
                  </th>
                  <th scope="col" className="occupancy-col">
                    Occupancy
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((showtime) => (
                  <tr key={showtime.showtime_id} data-testid="showtime-row">
                    <td className="num-left">{formatTimeInZone(showtime.starts_at, theater.time_zone)}</td>
                    <td>{showtime.title}</td>
                    <td className="hide-narrow">{showtime.screen}</td>
                    <td className="hide-narrow">
                      <span className="tag">{showtime.format}</span>
                    </td>
                    <td className="num hide-narrow">
                      {formatInteger(showtime.tickets_sold)}
                      <span className="muted"> / {formatInteger(showtime.capacity)}</span>
                    </td>
                    <td className="occupancy-col">
                      <OccupancyBar
                        occupancy={showtime.occupancy}
                        ticketsSold={showtime.tickets_sold}
                        capacity={showtime.capacity}
                        label={`Occupancy of ${showtime.title} at ${formatTimeInZone(showtime.starts_at, theater.time_zone)}`}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        </>
      )}
    </Card>
  );
}
