import { Card } from '../components/Card';
import { LoadingState } from '../components/StatusMessage';
import { formatLongDate } from '../format';
import { useDocumentTitle } from '../hooks/useDocumentTitle';
import { useLiveTotals } from '../hooks/useLiveTotals';
import { ChannelMixCard } from './ChannelMixCard';
import { MovieLeaderboard, TheaterLeaderboard } from './Leaderboards';
import { LiveKpis } from './LiveKpis';
import { RevenuePaceCard } from './RevenuePaceCard';

/** Home: today's totals and leaderboards as they change (`GET /live`), and the day's revenue pace. */
export function LivePage() {
  useDocumentTitle('Live sales');
  const { totals, connection } = useLiveTotals();
  return (
    <div className="page" data-testid="live-page">
      <div className="page__heading">
        <div>
          <h1 className="page__title">Live sales</h1>
          <p className="page__subtitle" data-testid="live-date">
            {totals ? `Business day ${formatLongDate(totals.date)}` : 'Today'}
          </p>
        </div>
      </div>
      {totals ? (
        <LiveKpis totals={totals} />
      ) : (
        <LoadingState label={connection === 'reconnecting' ? 'Reconnecting to live sales…' : 'Connecting to live sales…'} />
      )}
      <div className="live-grid">
        <div className="live-grid__column">
          <RevenuePaceCard />
          <ChannelMixCard />
        </div>
        <div className="live-grid__column">
          <Card title="Top theaters today" testId="top-theaters-card">
            {totals ? <TheaterLeaderboard rows={totals.top_theaters} /> : <LoadingState />}
          </Card>
          <Card title="Top movies today" testId="top-movies-card">
            {totals ? <MovieLeaderboard rows={totals.top_movies} /> : <LoadingState />}
          </Card>
        </div>
      </div>
    </div>
  );
}
