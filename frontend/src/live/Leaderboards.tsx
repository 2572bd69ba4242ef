import { Link } from 'react-router';
import type { MovieLeaderboardRow, TheaterLeaderboardRow } from '../api/types';
import { EmptyState } from '../components/StatusMessage';
import { formatInteger, formatUsd } from '../format';

function RevenueShare({ revenue, top }: { revenue: number; top: number }) {
  const share = top > 0 ? Math.max(0.02, revenue / top) : 0;
  return (
    <span className="share" aria-hidden="true">
      <span className="share__fill" style={{ width: `${share * 100}%` }} />
    </span>
  );
}

export function TheaterLeaderboard({ rows }: { rows: TheaterLeaderboardRow[] }) {
  if (rows.length === 0) return <EmptyState>No theater has sold a ticket yet today.</EmptyState>;
  const top = rows[0]?.revenue ?? 0;
  return (
    <table className="table" data-testid="theater-leaderboard">
      <caption className="sr-only">Theaters ranked by revenue today</caption>
      <thead>
        <tr>
          <th scope="col" className="num">#</th>
          <th scope="col">Theater</th>
          <th scope="col" className="num hide-narrow">Tickets</th>
          <th scope="col" className="num">Revenue</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.theater_id}>
            <td className="num rank">{row.rank}</td>
            <td>
              <Link to={`/theaters/${row.theater_id}`}>{row.name}</Link>
              <RevenueShare revenue={row.revenue} top={top} />
            </td>
            <td className="num hide-narrow">{formatInteger(row.tickets_sold)}</td>
            <td className="num">{formatUsd(row.revenue)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function MovieLeaderboard({ rows }: { rows: MovieLeaderboardRow[] }) {
  if (rows.length === 0) return <EmptyState>No movie has sold a ticket yet today.</EmptyState>;
  const top = rows[0]?.revenue ?? 0;
  return (
    <table className="table" data-testid="movie-leaderboard">
      <caption className="sr-only">Movies ranked by revenue today</caption>
      <thead>
        <tr>
          <th scope="col" className="num">#</th>
          <th scope="col">Movie</th>
          <th scope="col" className="num hide-narrow">Tickets</th>
          <th scope="col" className="num">Revenue</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.movie_id}>
            <td className="num rank">{row.rank}</td>
            <td>
              {row.title}
              <RevenueShare revenue={row.revenue} top={top} />
            </td>
            <td className="num hide-narrow">{formatInteger(row.tickets_sold)}</td>
            <td className="num">{formatUsd(row.revenue)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
