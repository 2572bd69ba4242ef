import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { PipelineStatus } from '../status/types';
import { FreshnessIndicator } from './FreshnessIndicator';

function pipelineStatus(overrides: Partial<PipelineStatus> = {}): PipelineStatus {
  return {
    as_of: new Date().toISOString(),
    state: 'live',
    reason: 'Consumers are running and keeping up.',
    newest_sale: { sold_at: new Date().toISOString(), ingested_at: new Date().toISOString(), age_seconds: 3 },
    consumer_lag: 0,
    sales_per_minute: 120,
    consumers: 1,
    last_heartbeat_at: new Date().toISOString(),
    dead_letters_last_hour: [],
    thresholds: { heartbeat_timeout_seconds: 15, stalled_after_seconds: 30, lagging_above_messages: 1000, lagging_delay_seconds: 10 },
    ...overrides,
  };
}

describe('pipeline status in the header', () => {
  it('shows the pipeline state and the age of the newest sale, not the connection', () => {
    render(<FreshnessIndicator status={pipelineStatus()} receivedAt={Date.now()} connection="open" />);
    const status = screen.getByTestId('freshness');
    expect(status).toHaveTextContent('Live · newest sale 3 s ago');
    expect(status).toHaveAttribute('data-state', 'live');
    expect(status).toHaveClass('freshness--fresh');
    expect(status).toHaveAttribute('title', 'Consumers are running and keeping up.');
    expect(screen.queryByTestId('connection')).not.toBeInTheDocument();
  });

  it('says Stalled while the browser is connected perfectly well', () => {
    const stalled = pipelineStatus({
      state: 'stalled',
      reason: 'No consumer has reported for 20 s (more than 15 s): nothing is being ingested.',
      newest_sale: { sold_at: '', ingested_at: '', age_seconds: 125 },
    });
    render(<FreshnessIndicator status={stalled} receivedAt={Date.now()} connection="open" />);
    const status = screen.getByTestId('freshness');
    expect(status).toHaveTextContent('Stalled · newest sale 2 min ago');
    expect(status).toHaveClass('freshness--old');
  });

  it('counts the age on from when the status arrived', () => {
    render(<FreshnessIndicator status={pipelineStatus({ state: 'lagging' })} receivedAt={Date.now() - 40_000} connection="open" />);
    expect(screen.getByTestId('freshness')).toHaveTextContent(/Lagging · newest sale 4\d s ago/);
    expect(screen.getByTestId('freshness')).toHaveClass('freshness--stale');
  });

  it('shows a lost connection apart from the pipeline state', () => {
    render(<FreshnessIndicator status={pipelineStatus()} receivedAt={Date.now()} connection="reconnecting" />);
    expect(screen.getByTestId('freshness')).toHaveTextContent(/^Live/);
    expect(screen.getByTestId('connection')).toHaveTextContent('Connection lost · reconnecting');
  });

  it('waits for the first status, and says when no sale was stored yet', () => {
    const { rerender } = render(<FreshnessIndicator status={undefined} receivedAt={undefined} connection="connecting" />);
    expect(screen.getByTestId('freshness')).toHaveTextContent('Checking · waiting for the pipeline');
    rerender(<FreshnessIndicator status={pipelineStatus({ newest_sale: null })} receivedAt={Date.now()} connection="open" />);
    expect(screen.getByTestId('freshness')).toHaveTextContent('Live · no sale stored yet');
  });
});
