-- The time of a theater's last sale moves from an index to its daily rollup. The quiet-theater alert read
-- max(sold_at) per theater through the index on sales (theater_id, sold_at), and every sale paid for that index: a
-- B-tree entry in a random place, about 5 us of PostgreSQL per sale in the consumer's insert (measured on 40,000 staged
-- sales: 474-558 ms with it, 296-319 ms without; docs/benchmarks.md, issue 12). Now each row of theater_daily_sales keeps
-- the latest sold_at of its sales (the consumer's upsert takes the greatest; declared in
-- ReelMetrics.Contracts/Rollups/Rollups.cs), and the alert reads the rows of recent business dates.
alter table theater_daily_sales add column last_sold_at timestamptz;

update theater_daily_sales d set last_sold_at = s.last_sold_at
from (select sale_date, theater_id, max(sold_at) as last_sold_at from sales group by sale_date, theater_id) s
where s.sale_date = d.sale_date and s.theater_id = d.theater_id;

drop index if exists sales_theater_sold_at;
