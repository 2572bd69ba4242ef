import { useId } from 'react';
import { formatAxisDate, formatUsd, formatUsdCompact } from '../format';
import { useElementWidth } from '../hooks/useElementWidth';
import { niceTicks } from './scale';

export interface DailyRevenuePoint {
  date: string;
  revenue: number;
}

const MARGIN = { top: 12, right: 12, bottom: 28, left: 60 };

/** Revenue per business date as bars, oldest on the left. */
export function DailyRevenueChart({ points, label }: { points: DailyRevenuePoint[]; label: string }) {
  const titleId = useId();
  const [ref, measured] = useElementWidth<HTMLElement>(720);
  const WIDTH = Math.max(280, measured);
  const HEIGHT = WIDTH < 500 ? 180 : 240;
  const sorted = [...points].sort((a, b) => a.date.localeCompare(b.date));
  const ticks = niceTicks(Math.max(0, ...sorted.map((p) => p.revenue)));
  const top = ticks[ticks.length - 1] ?? 1;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotWidth / Math.max(1, sorted.length);
  const barWidth = Math.max(2, Math.min(48, slot * 0.7));
  const y = (value: number) => MARGIN.top + plotHeight - (value / top) * plotHeight;
  const labelEvery = Math.ceil(sorted.length / Math.max(2, Math.floor(plotWidth / 70)));

  return (
    <figure className="chart" data-testid="daily-revenue-chart" ref={ref}>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={titleId}>
        <title id={titleId}>{label}</title>
        <g className="chart__grid">
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} />
              <text x={MARGIN.left - 8} y={y(tick)} dy="0.32em" textAnchor="end">
                {formatUsdCompact(tick)}
              </text>
            </g>
          ))}
        </g>
        {sorted.map((point, index) => {
          const cx = MARGIN.left + slot * index + slot / 2;
          return (
            <g key={point.date}>
              <rect
                className="chart__bar"
                x={cx - barWidth / 2}
                y={y(point.revenue)}
                width={barWidth}
                height={Math.max(0, y(0) - y(point.revenue))}
                rx={2}
              >
                <title>{`${formatAxisDate(point.date)}: ${formatUsd(point.revenue)}`}</title>
              </rect>
              {index % labelEvery === 0 && (
                <text className="chart__axis-label" x={cx} y={HEIGHT - 8} textAnchor="middle">
                  {formatAxisDate(point.date)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
