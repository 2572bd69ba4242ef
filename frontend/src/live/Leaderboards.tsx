import type { ReactNode } from 'react';
import { Link } from 'react-router';
import type { MovieRank, TheaterRank } from '../api/types';
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

/** One ranked row, whatever is ranked. */
interface RankedRow {
  key: number;
  rank: number;
  name: ReactNode;
  tickets_sold: number;
  revenue: number;
}

/** Today's ranking by revenue: rank, name with its share of the leader's revenue, tickets, revenue. */
function Leaderboard({ rows, what, testId }: { rows: RankedRow[]; what: 'Theater' | 'Movie'; testId: string }) {
  if (rows.length === 0) return <EmptyState>No {what.toLowerCase()} has sold a ticket yet today.</EmptyState>;
  const top = rows[0]?.revenue ?? 0;
  return (
    <table className="table" data-testid={testId}>
      <caption className="sr-only">{what}s ranked by revenue today</caption>
      <thead>
        <tr>
          <th scope="col" className="num">
            #
          </th>
          <th scope="col">{what}</th>
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
          <tr key={row.key}>
            <td className="num rank">{row.rank}</td>
            <td>
              {row.name}
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

export function TheaterLeaderboard({ rows }: { rows: TheaterRank[] }) {
  const ranked = rows.map((row) => ({
    key: row.theater_id,
    rank: row.rank,
    name: <Link to={`/theaters/${row.theater_id}`}>{row.name}</Link>,
    tickets_sold: row.tickets_sold,
    revenue: row.revenue,
  }));
  return <Leaderboard rows={ranked} what="Theater" testId="theater-leaderboard" />;
}

export function MovieLeaderboard({ rows }: { rows: MovieRank[] }) {
  const ranked = rows.map((row) => ({
    key: row.movie_id,
    rank: row.rank,
    name: row.title,
    tickets_sold: row.tickets_sold,
    revenue: row.revenue,
  }));
  return <Leaderboard rows={ranked} what="Movie" testId="movie-leaderboard" />;
}
