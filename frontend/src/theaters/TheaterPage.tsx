import { Link, useParams, useSearchParams } from 'react-router';
import { isApiError } from '../api/client';
import { EmptyState, ErrorState, LoadingState } from '../components/StatusMessage';
import { addDays, businessDateInTimeZone, formatInteger, timeZoneAbbreviation } from '../format';
import { useApiResource } from '../hooks/useApiResource';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { MovieSalesCard } from './MovieSalesCard';
import { ShowtimesCard } from './ShowtimesCard';

/** Days of sales shown by default, ending today. */
export const DEFAULT_SALES_DAYS = 14;

/** One theater: its showtimes with occupancy, and its movies' sales by date. */
export function TheaterPage() {
  const { theaterId } = useParams();
  const id = Number(theaterId);
  const validId = Number.isInteger(id) && id > 0;
  const theater = useApiResource(`theater|${id}`, (api, signal) => api.theater(id, signal), { enabled: validId });
  const businessDay = useApiResource('business-day', (api, signal) => api.businessDay(signal), { enabled: theater.data !== undefined });
  const cutoff = businessDay.data?.cutoff ?? '06:00';
  const [params, setParams] = useSearchParams();
  useDocumentTitle(theater.data?.name ?? 'Theater');

  const back = (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      <Link to="/theaters">Theaters</Link>
      <span aria-hidden="true"> / </span>
      <span aria-current="page">{theater.data?.name ?? `Theater ${theaterId ?? ''}`}</span>
    </nav>
  );

  if (!validId || (isApiError(theater.error) && (theater.error.isNotFound || theater.error.status === 400))) {
    return (
      <div className="page">
        {back}
        <h1 className="page__title">Theater not found</h1>
        <EmptyState testId="theater-not-found">
          There is no theater with id “{theaterId}”. <Link to="/theaters">See all theaters</Link>.
        </EmptyState>
      </div>
    );
  }

  if (!theater.data) {
    return (
      <div className="page">
        {back}
        <h1 className="page__title">Theater</h1>
        {theater.loading && <LoadingState label="Loading theater…" />}
        {theater.error !== undefined && <ErrorState error={theater.error} onRetry={theater.reload} />}
      </div>
    );
  }

  const info = theater.data;
  // The theater's business date (its own zone, the chain's cutoff), as the APIs define it.
  const today = businessDateInTimeZone(info.time_zone, cutoff);
  const showDate = params.get('date') ?? today;
  const to = params.get('to') ?? today;
  const from = params.get('from') ?? addDays(to, -(DEFAULT_SALES_DAYS - 1));

  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) next.set(key, value);
    setParams(next, { replace: true });
  };

  return (
    <div className="page" data-testid="theater-page">
      {back}
      <div className="page__heading">
        <div>
          <h1 className="page__title" data-testid="theater-name">
            {info.name}
          </h1>
          <p className="page__subtitle">
            {info.city} · {timeZoneAbbreviation(info.time_zone)} · {formatInteger(info.screens)} screens · {formatInteger(info.seats)} seats
          </p>
        </div>
      </div>
      <ShowtimesCard theater={info} date={showDate} onDateChange={(date) => update({ date })} />
      <MovieSalesCard theater={info} from={from} to={to} onRangeChange={(range) => update(range)} />
    </div>
  );
}
