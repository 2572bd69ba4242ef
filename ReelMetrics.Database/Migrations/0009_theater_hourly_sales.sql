-- Each theater's sales per business date and hour of the theater's local day (0-23, of sold_at in the theater's time
-- zone): when a theater sells. Declared with the other rollups in ReelMetrics.Contracts/Rollups/Rollups.cs, which says
-- how the consumer maintains it; this table and its backfill must match that declaration.
create table theater_hourly_sales (
    sale_date    date           not null,
    theater_id   integer        not null references theaters,
    hour         integer        not null check (hour between 0 and 23),
    tickets_sold bigint         not null,
    revenue      numeric(14, 2) not null,
    sales_count  bigint         not null,
    primary key (sale_date, theater_id, hour)
);

-- A sale at an infinite time (not a real one) counts in hour 0, as the consumer counts it.
insert into theater_hourly_sales (sale_date, theater_id, hour, tickets_sold, revenue, sales_count)
select sale_date, theater_id, coalesce(extract(hour from sold_at at time zone time_zone), 0)::int, sum(tickets_sold), sum(revenue), count(*)
from sales join theaters using (theater_id)
group by 1, 2, 3;
