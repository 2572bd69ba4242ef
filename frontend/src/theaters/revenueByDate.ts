import type { TheaterMovieSales } from '../api/types';
import type { DailyRevenuePoint } from '../charts/DailyRevenueChart';

/** A theater's revenue per date, all movies added up. */
export function revenueByDate(rows: TheaterMovieSales[]): DailyRevenuePoint[] {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(row.sale_date, (totals.get(row.sale_date) ?? 0) + row.revenue);
  return [...totals].map(([date, revenue]) => ({ date, revenue: Math.round(revenue * 100) / 100 }));
}
