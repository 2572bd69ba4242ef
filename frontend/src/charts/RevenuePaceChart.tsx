import { useId } from 'react';
import type { PacePoint } from '../api/types';
import { zoneLabel } from '../businessDay/zone';
import { formatUsd, formatUsdCompact } from '../format';
import { useElementWidth } from '../hooks/useElementWidth';
import { niceTicks } from './scale';

const MARGIN = { top: 12, right: 16, bottom: 28, left: 60 };

type SeriesKey = 'today' | 'last_week';

/** x is the bucket's position in the business day (its times may skip or repeat an hour on days the clocks change). */
function linePath(series: PacePoint[], key: SeriesKey, x: (bucketEnd: number) => number, y: (v: number) => number): string {
  let path = '';
  let open = false;
  for (const [index, point] of series.entries()) {
    const value = point[key];
    if (value === null || value === undefined) {
      open = false;
      continue;
    }
    // A bucket's cumulative value is reached at its end.
    const px = x(index + 1).toFixed(1);
    const py = y(value).toFixed(1);
    path += `${open ? 'L' : 'M'}${px},${py}`;
    open = true;
  }
  return path;
}

function lastIndex(series: PacePoint[], key: SeriesKey): number {
  for (let i = series.length - 1; i >= 0; i--) {
    const point = series[i];
    if (point && point[key] !== null && point[key] !== undefined) return i;
  }
  return -1;
}

/**
 * Cumulative revenue over the chain's business day (15-minute buckets, from the cutoff to the next, in the chain's
 * local time `timeZone`, which the chart names): today against the same business day last week.
 */
export function RevenuePaceChart({ series, timeZone }: { series: PacePoint[]; timeZone: string }) {
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
  const buckets = Math.max(1, series.length);
  const x = (bucketEnd: number) => MARGIN.left + (Math.min(bucketEnd, buckets) / buckets) * plotWidth;
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const todayPath = linePath(series, 'today', x, y);
  const lastWeekPath = linePath(series, 'last_week', x, y);
  const lastTodayIndex = lastIndex(series, 'today');
  const lastToday = series[lastTodayIndex];
  const firstTodayIndex = series.findIndex((p) => p.today !== null);
  const lastWeekAtSameTime = lastToday?.last_week ?? null;
  // Hour marks where a bucket starts on the hour: every 3 hours (6 on narrow screens) from the day's start.
  const every = WIDTH < 500 ? 6 : 3;
  const startHour = Number(series[0]?.time.slice(0, 2) ?? 0);
  const marks = series
    .map((point, index) => ({ point, index }))
    .filter(({ point }) => point.time.endsWith(':00') && (Number(point.time.slice(0, 2)) - startHour + 24) % every === 0);
  const zone = zoneLabel(timeZone);

  const description = lastToday
    ? `Today ${formatUsd(lastToday.today ?? 0)} by ${lastToday.time} ${zone}` +
      (lastWeekAtSameTime !== null ? `, against ${formatUsd(lastWeekAtSameTime)} by the same time last week.` : '.')
    : 'No sales yet today.';

  return (
    <figure className="chart" data-testid="pace-chart" ref={ref}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${titleId} ${descId}`} preserveAspectRatio="xMidYMid meet">
        <title id={titleId}>{`Cumulative revenue over the business day, today against the same day last week, times in ${zone}`}</title>
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
          {marks.map(({ point, index }) => (
            <text key={index} x={x(index)} y={HEIGHT - 8} textAnchor="middle" data-testid="pace-hour">
              {point.time}
            </text>
          ))}
        </g>
        {lastWeekPath && <path className="chart__line chart__line--last-week" d={lastWeekPath} />}
        {todayPath && (
          <>
            <path
              className="chart__area"
              d={`${todayPath}L${x(lastTodayIndex + 1).toFixed(1)},${y(0)}L${x(firstTodayIndex + 1).toFixed(1)},${y(0)}Z`}
            />
            <path className="chart__line chart__line--today" d={todayPath} />
          </>
        )}
        {lastToday && lastToday.today !== null && (
          <circle className="chart__marker" cx={x(lastTodayIndex + 1)} cy={y(lastToday.today)} r={4} />
        )}
      </svg>
      <figcaption className="chart__legend">
        <span className="legend legend--today">Today</span>
        <span className="legend legend--last-week">Same day last week</span>
        <span className="chart__note" data-testid="pace-zone">
          Times in {zone}
        </span>
      </figcaption>
    </figure>
  );
}
