import { Link, useSearchParams } from 'react-router';
import { TableScroll } from '../components/TableScroll';
import { EmptyState, ErrorState, LoadingState } from '../components/StatusMessage';
import { formatInteger, timeZoneAbbreviation } from '../format';
import { useApiResource } from '../hooks/useApiResource';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { filterTheaters } from './filterTheaters';

/** The chain's theaters (`GET /theaters`), searchable by name or city. */
export function TheaterListPage() {
  useDocumentTitle('Theaters');
  const [params, setParams] = useSearchParams();
  const query = params.get('q') ?? '';
  const theaters = useApiResource('theaters', (api, signal) => api.theaters(signal));
  const all = theaters.data ?? [];
  const shown = filterTheaters(all, query);

  const setQuery = (value: string) => setParams(value ? { q: value } : {}, { replace: true });

  return (
    <div className="page" data-testid="theater-list-page">
      <div className="page__heading">
        <div>
          <h1 className="page__title">Theaters</h1>
          <p className="page__subtitle">Every theater of the chain, its screens and seats.</p>
        </div>
      </div>
      <section className="card" aria-label="Theater list">
        <div className="toolbar">
          <label className="field">
            <span className="field__label">Search theaters</span>
            <input
              type="search"
              className="input"
              placeholder="Name or city"
              value={query}
              onChange={(event) => setQuery(event.target.value)}
              data-testid="theater-search"
              autoComplete="off"
            />
          </label>
          {theaters.data && (
            <p className="toolbar__count" aria-live="polite" data-testid="theater-count">
              {shown.length === all.length
                ? `${formatInteger(all.length)} theaters`
                : `Showing ${formatInteger(shown.length)} of ${formatInteger(all.length)} theaters`}
            </p>
          )}
        </div>
        <div className="card__body card__body--flush">
          {theaters.loading && <LoadingState label="Loading theaters…" />}
          {theaters.error !== undefined && <ErrorState error={theaters.error} onRetry={theaters.reload} />}
          {theaters.data && all.length === 0 && <EmptyState>No theaters are set up yet.</EmptyState>}
          {theaters.data && all.length > 0 && shown.length === 0 && (
            <EmptyState testId="theater-search-empty">No theater matches “{query}”.</EmptyState>
          )}
          {shown.length > 0 && (
            <TableScroll label="Theaters">
              <table className="table" data-testid="theater-table">
                <caption className="sr-only">Theaters</caption>
                <thead>
                  <tr>
                    <th scope="col">Theater</th>
                    <th scope="col">City</th>
                    <th scope="col" className="hide-narrow">
                      Time zone
                    </th>
                    <th scope="col" className="num">
                      Screens
                    </th>
                    <th scope="col" className="num">
                      Seats
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((theater) => (
                    <tr key={theater.theater_id} data-testid="theater-row">
                      <td>
                        <Link to={`/theaters/${theater.theater_id}`}>{theater.name}</Link>
                      </td>
                      <td>{theater.city}</td>
                      <td className="hide-narrow muted">
                        {theater.time_zone} ({timeZoneAbbreviation(theater.time_zone)})
                      </td>
                      <td className="num">{formatInteger(theater.screens)}</td>
                      <td className="num">{formatInteger(theater.seats)}</td>
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
