import { Card } from '../components/Card';
import { EmptyState, ErrorState, LoadingState } from '../components/StatusMessage';
import { formatInteger, formatPercent, formatUsd } from '../format';
import { useApiResource } from '../hooks/useApiResource';

export const CHANNEL_REFRESH_MS = 30_000;

/** "box_office" → "Box office" */
function channelName(channel: string): string {
  const text = channel.replaceAll('_', ' ').trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Where today's tickets were bought (`GET /summary`, refreshed every 30 s). */
export function ChannelMixCard() {
  const summary = useApiResource('summary-today', (api, signal) => api.summary({}, signal), {
    refreshMs: CHANNEL_REFRESH_MS,
  });
  const channels = [...(summary.data?.channels ?? [])].sort((a, b) => b.revenue - a.revenue);
  const total = channels.reduce((sum, c) => sum + c.revenue, 0);
  return (
    <Card title="Sales by channel today" testId="channel-card">
      {summary.loading && <LoadingState label="Loading sales by channel…" />}
      {summary.error !== undefined && <ErrorState error={summary.error} onRetry={summary.reload} />}
      {summary.data && channels.length === 0 && <EmptyState>No sales yet today.</EmptyState>}
      {channels.length > 0 && (
        <table className="table" data-testid="channel-table">
          <caption className="sr-only">Revenue and tickets by sales channel today</caption>
          <thead>
            <tr>
              <th scope="col">Channel</th>
              <th scope="col" className="share-col">
                Share of revenue
              </th>
              <th scope="col" className="num hide-narrow">
                Tickets
              </th>
              <th scope="col" className="num">
                Revenue
              </th>
            </tr>
          </thead>
          <tbody>
            {channels.map((channel) => {
              const share = total > 0 ? channel.revenue / total : 0;
              return (
                <tr key={channel.channel}>
                  <td>{channelName(channel.channel)}</td>
                  <td className="share-col">
                    <span className="share-inline">
                      <span className="share share--inline" aria-hidden="true">
                        <span className="share__fill" style={{ width: `${share * 100}%` }} />
                      </span>
                      <span className="num">{formatPercent(share)}</span>
                    </span>
                  </td>
                  <td className="num hide-narrow">{formatInteger(channel.tickets_sold)}</td>
                  <td className="num">{formatUsd(channel.revenue)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </Card>
  );
}
