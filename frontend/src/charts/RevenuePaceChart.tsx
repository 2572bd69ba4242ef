import { useId } from 'react';
import type { PacePoint } from '../api/types';
import { formatUsd, formatUsdCompact } from '../format';
import { useElementWidth } from '../hooks/useElementWidth';
import { minutesOfDay, niceTicks } from './scale';

const MARGIN = { top: 12, right: 16, bottom: 28, left: 60 };
const DAY_MINUTES = 24 * 60;
const BUCKET_MINUTES = 15;

type SeriesKey = 'today' | 'last_week';

function linePath(series: PacePoint[], key: SeriesKey, x: (m: number) => number, y: (v: number) => number): string {
  let path = '';
  let open = false;
  for (const point of series) {
    const value = point[key];
    if (value === null || value === undefined) {
      open = false;
      continue;
    }
    // A bucket's cumulative value is reached at its end.
    const px = x(minutesOfDay(point.time) + BUCKET_MINUTES).toFixed(1);
    const py = y(value).toFixed(1);
    path += `${open ? 'L' : 'M'}${px},${py}`;
    open = true;
  }
  return path;
}

function lastValue(series: PacePoint[], key: SeriesKey): PacePoint | undefined {
  for (let i = series.length - 1; i >= 0; i--) {
    const point = series[i];
    if (point && point[key] !== null && point[key] !== undefined) return point;
  }
  return undefined;
}

/** Cumulative revenue over the day (UTC, 15-minute buckets): today against the same weekday last week. */
export function RevenuePaceChart({ series }: { series: PacePoint[] }) {
  const titleId = useId();
  const descId = useId();
  const [ref, measured] = useElementWidth<HTMLElement>(720);
  const WIDTH = Math.max(280, measured);
  const HEIGHT = WIDTH < 500 ? 200 : 260;
  const max = Math.max(0, ...series.flatMap((p) => [p.today ?? 0, p.last_week ?? 0]));
  const ticks = niceTicks(max);
  const top = ticks[ticks.length - 1] ?? 1;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (minutes: number) => MARGIN.left + (Math.min(minutes, DAY_MINUTES) / DAY_MINUTES) * plotWidth;
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const todayPath = linePath(series, 'today', x, y);
  const lastWeekPath = linePath(series, 'last_week', x, y);
  const lastToday = lastValue(series, 'today');
  const lastWeekAtSameTime = lastToday?.last_week ?? null;
  const hours = WIDTH < 500 ? [0, 6, 12, 18, 24] : [0, 3, 6, 9, 12, 15, 18, 21, 24];

  const description = lastToday
    ? `Today ${formatUsd(lastToday.today ?? 0)} by ${lastToday.time} UTC` +
      (lastWeekAtSameTime !== null ? `, against ${formatUsd(lastWeekAtSameTime)} by the same time last week.` : '.')
    : 'No sales yet today.';

  return (
    <figure className="chart" data-testid="pace-chart" ref={ref}>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-labelledby={`${titleId} ${descId}`}
        preserveAspectRatio="xMidYMid meet"
      >
        <title id={titleId}>Cumulative revenue, today against the same weekday last week</title>
        <desc id={descId}>{description}</desc>
        <g className="chart__grid">
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} />
              <text x={MARGIN.left - 8} y={y(tick)} dy="0.32em" textAnchor="end">
                {formatUsdCompact(tick)}
              </text>
            </g>
          ))}
          {hours.map((hour) => (
            <text key={hour} x={x(hour * 60)} y={HEIGHT - 8} textAnchor="middle">
              {`${String(hour).padStart(2, '0')}:00`}
            </text>
          ))}
        </g>
        {lastWeekPath && <path className="chart__line chart__line--last-week" d={lastWeekPath} />}
        {todayPath && (
          <>
            <path
              className="chart__area"
              d={`${todayPath}L${x(minutesOfDay(lastToday?.time ?? '00:00') + BUCKET_MINUTES).toFixed(1)},${y(0)}L${x(
                minutesOfDay(series.find((p) => p.today !== null)?.time ?? '00:00') + BUCKET_MINUTES,
              ).toFixed(1)},${y(0)}Z`}
            />
            <path className="chart__line chart__line--today" d={todayPath} />
          </>
        )}
        {lastToday && lastToday.today !== null && (
          <circle
            className="chart__marker"
            cx={x(minutesOfDay(lastToday.time) + BUCKET_MINUTES)}
            cy={y(lastToday.today)}
            r={4}
          />
        )}
      </svg>
      <figcaption className="chart__legend">
        <span className="legend legend--today">Today</span>
        <span className="legend legend--last-week">Same weekday last week</span>
        <span className="chart__note">Times in UTC</span>
      </figcaption>
    </figure>
  );
}
