import type { LiveTotals } from '../api/types';
import { KpiCard } from '../components/KpiCard';
import { formatDecimal, formatInteger, formatUsd } from '../format';

/** Re-mounts its text when the value changes, so the change is briefly highlighted. */
function Changing({ value }: { value: string }) {
  return (
    <span key={value} className="flash">
      {value}
    </span>
  );
}

export function LiveKpis({ totals }: { totals: LiveTotals }) {
  return (
    <dl className="kpis" data-testid="live-kpis">
      <KpiCard
        testId="kpi-revenue"
        label="Revenue today"
        value={<Changing value={formatUsd(totals.revenue)} />}
        detail={`${formatInteger(totals.sales_count)} sales`}
      />
      <KpiCard testId="kpi-tickets" label="Tickets sold" value={<Changing value={formatInteger(totals.tickets_sold)} />} />
      <KpiCard
        testId="kpi-average-price"
        label="Average ticket price"
        value={<Changing value={formatUsd(totals.average_ticket_price)} />}
      />
      <KpiCard testId="kpi-sales-per-minute" label="Sales per minute" value={<Changing value={formatDecimal(totals.sales_per_minute)} />} />
    </dl>
  );
}
