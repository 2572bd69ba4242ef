-- The chain's business day (ReelMetrics.Contracts.BusinessDay): a business date runs from a cutoff hour in the
-- morning to the same hour the next day, local time, so a 00:30 screening belongs to the evening before.
-- One row: the chain's home time zone (what "today" means for the chain) and its cutoff, the default of every theater.
create table chain (
    chain_id            boolean primary key default true check (chain_id),  -- exactly one row
    home_time_zone      text    not null,                                   -- IANA zone
    business_day_cutoff time    not null default '06:00' check (business_day_cutoff <= '12:00')
);

-- A theater's own cutoff, in its own time zone; null: the chain's.
alter table theaters add column business_day_cutoff time check (business_day_cutoff <= '12:00');

-- Chain-wide sales per business date (sale_date) and minute of sold_at (UTC): the revenue pace of a business day,
-- cumulative by the time of sale. chain_minute_sales stays for the rate of sales, which is about sold_at alone.
create table chain_date_minute_sales (
    sale_date    date           not null,
    minute       timestamptz    not null,
    tickets_sold bigint         not null,
    revenue      numeric(14, 2) not null,
    sales_count  bigint         not null,
    primary key (sale_date, minute)
);

insert into chain_date_minute_sales (sale_date, minute, tickets_sold, revenue, sales_count)
select sale_date, date_trunc('minute', sold_at), sum(tickets_sold), sum(revenue), count(*)
from sales
group by 1, 2;
