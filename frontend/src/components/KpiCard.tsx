import type { ReactNode } from 'react';

/** One headline number (revenue, tickets, …). */
export function KpiCard({ label, value, detail, testId }: { label: string; value: ReactNode; detail?: ReactNode; testId: string }) {
  return (
    <div className="kpi" data-testid={testId}>
      <dt className="kpi__label">{label}</dt>
      <dd className="kpi__value" data-testid={`${testId}-value`}>
        {value}
      </dd>
      {detail && <dd className="kpi__detail">{detail}</dd>}
    </div>
  );
}
