import { formatInteger, formatPercent } from '../format';
import { occupancyLevel } from './occupancy';

/** How full a showtime is: a bar plus the percentage, exposed as an ARIA meter. */
export function OccupancyBar({
  occupancy,
  ticketsSold,
  capacity,
  label,
}: {
  occupancy: number;
  ticketsSold: number;
  capacity: number;
  label: string;
}) {
  const clamped = Math.min(1, Math.max(0, occupancy));
  const level = occupancyLevel(clamped);
  const text = level === 'full' ? 'Sold out' : formatPercent(clamped);
  return (
    <div className="occupancy">
      <div
        className={`occupancy__track occupancy--${level}`}
        role="meter"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(clamped * 100)}
        aria-valuetext={`${formatPercent(clamped)} sold, ${formatInteger(ticketsSold)} of ${formatInteger(capacity)} seats`}
      >
        <div className="occupancy__fill" style={{ width: `${clamped * 100}%` }} />
      </div>
      <span className="occupancy__text num" aria-hidden="true">
        {text}
      </span>
    </div>
  );
}
