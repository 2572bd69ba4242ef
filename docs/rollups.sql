-- The consumer's SQL, generated from the declarations in ReelMetrics.Contracts/Rollups/Rollups.cs and
-- ReelMetrics.Consumer/Ingestion/SaleColumns.cs (RollupSql.Describe). Do not edit: RollupDeclarationTests keeps it
-- current (REELMETRICS_UPDATE_ROLLUP_SQL=1 rewrites it). Rows of the totals: rollup number, business date of its
-- Redis keys, id keys, text key, minute key (minutes since 1970), tickets, revenue, sales.

-- staging table (once per session)
create temporary table if not exists incoming_sales (
    seq          integer not null,
    event_id     uuid not null,
    sold_at      timestamptz not null,
    theater_id   integer not null,
    movie_id     integer not null,
    showtime_id  bigint,
    sale_date    date not null,
    tickets_sold integer not null,
    ticket_price numeric(8, 2) not null,
    currency     char(3) not null,
    channel      text not null)

-- copy
copy incoming_sales (seq, event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, currency, channel) from stdin (format binary)

-- insert the batch and aggregate it
with inserted as (
    insert into sales (event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, currency, channel, revenue)
        select event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, currency, channel, tickets_sold * ticket_price
        from incoming_sales
        returning event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, currency, channel, revenue),
theater_day as (
    insert into theater_daily_sales as a (sale_date, theater_id, tickets_sold, revenue, sales_count, last_sold_at)
    select sale_date, theater_id, sum(tickets_sold), sum(revenue), count(*), max(sold_at)
    from inserted
    group by 1, 2 order by 1, 2
    on conflict (sale_date, theater_id) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold, revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count, last_sold_at = greatest(a.last_sold_at, excluded.last_sold_at)
    returning a.*),
movie_day as (
    insert into movie_daily_sales as a (sale_date, movie_id, tickets_sold, revenue, sales_count)
    select sale_date, movie_id, sum(tickets_sold), sum(revenue), count(*)
    from inserted
    group by 1, 2 order by 1, 2
    on conflict (sale_date, movie_id) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold, revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
    returning a.*),
theater_movie_day as (
    insert into theater_movie_daily_sales as a (sale_date, theater_id, movie_id, tickets_sold, revenue, sales_count)
    select sale_date, theater_id, movie_id, sum(tickets_sold), sum(revenue), count(*)
    from inserted
    group by 1, 2, 3 order by 1, 2, 3
    on conflict (sale_date, theater_id, movie_id) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold, revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
    returning a.*),
channel_day as (
    insert into channel_daily_sales as a (sale_date, channel, tickets_sold, revenue, sales_count)
    select sale_date, channel, sum(tickets_sold), sum(revenue), count(*)
    from inserted
    group by 1, 2 order by 1, 2
    on conflict (sale_date, channel) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold, revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
    returning a.*),
chain_minute as (
    insert into chain_minute_sales as a (minute, tickets_sold, revenue, sales_count)
    select date_trunc('minute', sold_at, 'UTC'), sum(tickets_sold), sum(revenue), count(*)
    from inserted
    group by 1 order by 1
    on conflict (minute) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold, revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
    returning a.*),
showtime as (
    insert into showtime_sales as a (showtime_id, capacity, tickets_sold, revenue)
    select showtime_id, capacity, sum(tickets_sold), sum(revenue)
    from inserted join showtimes using (showtime_id) where showtime_id is not null
    group by 1, 2 order by 1
    on conflict (showtime_id) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold, revenue = a.revenue + excluded.revenue
    returning a.*),
date_minute as (
    insert into chain_date_minute_sales as a (sale_date, minute, tickets_sold, revenue, sales_count)
    select sale_date, date_trunc('minute', sold_at, 'UTC'), sum(tickets_sold), sum(revenue), count(*)
    from inserted
    group by 1, 2 order by 1, 2
    on conflict (sale_date, minute) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold, revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
    returning a.*),
theater_hour as (
    insert into theater_hourly_sales as a (sale_date, theater_id, hour, tickets_sold, revenue, sales_count)
    select sale_date, theater_id, coalesce(extract(hour from sold_at at time zone time_zone), 0)::int, sum(tickets_sold), sum(revenue), count(*)
    from inserted join theaters using (theater_id)
    group by 1, 2, 3 order by 1, 2, 3
    on conflict (sale_date, theater_id, hour) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold, revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
    returning a.*)
select 0, null::date, 0::bigint, 0::bigint, null::text, null::bigint, 0::bigint, 0::numeric, count(*)::bigint from inserted
union all select 1, r.sale_date::date, r.theater_id::bigint, 0::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from theater_day r
union all select 2, r.sale_date::date, r.movie_id::bigint, 0::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from movie_day r
union all select 3, r.sale_date::date, r.theater_id::bigint, r.movie_id::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from theater_movie_day r
union all select 4, r.sale_date::date, 0::bigint, 0::bigint, r.channel::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from channel_day r
union all select 5, null::date, 0::bigint, 0::bigint, null::text, case when r.minute = 'infinity' then 9223372036854775807 when r.minute = '-infinity' then -9223372036854775808 else (extract(epoch from r.minute) / 60)::bigint end, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from chain_minute r
union all select 6, st.business_date::date, r.showtime_id::bigint, 0::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, 0::bigint from showtime r join showtimes st using (showtime_id)
union all select 7, r.sale_date::date, 0::bigint, 0::bigint, null::text, case when r.minute = 'infinity' then 9223372036854775807 when r.minute = '-infinity' then -9223372036854775808 else (extract(epoch from r.minute) / 60)::bigint end, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from date_minute r
union all select 8, r.sale_date::date, r.theater_id::bigint, r.hour::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from theater_hour r

-- the same statement with this insert of the sales instead, skipping sales stored before (after the one above
-- failed on one)
insert into sales (event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, currency, channel, revenue)
    select event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, currency, channel, tickets_sold * ticket_price
    from incoming_sales
    on conflict (event_id) do nothing
    returning event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, currency, channel, revenue

-- rebuild Redis
select 1, r.sale_date::date, r.theater_id::bigint, 0::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from theater_daily_sales r
union all select 2, r.sale_date::date, r.movie_id::bigint, 0::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from movie_daily_sales r
union all select 3, r.sale_date::date, r.theater_id::bigint, r.movie_id::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from theater_movie_daily_sales r
union all select 4, r.sale_date::date, 0::bigint, 0::bigint, r.channel::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from channel_daily_sales r
union all select 5, null::date, 0::bigint, 0::bigint, null::text, case when r.minute = 'infinity' then 9223372036854775807 when r.minute = '-infinity' then -9223372036854775808 else (extract(epoch from r.minute) / 60)::bigint end, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from chain_minute_sales r
union all select 6, st.business_date::date, r.showtime_id::bigint, 0::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, 0::bigint from showtime_sales r join showtimes st using (showtime_id)
union all select 7, r.sale_date::date, 0::bigint, 0::bigint, null::text, case when r.minute = 'infinity' then 9223372036854775807 when r.minute = '-infinity' then -9223372036854775808 else (extract(epoch from r.minute) / 60)::bigint end, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from chain_date_minute_sales r
union all select 8, r.sale_date::date, r.theater_id::bigint, r.hour::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from theater_hourly_sales r

-- reconcile Redis
with days as (select distinct sale_date from theater_daily_sales order by sale_date desc limit $1)
select 1, r.sale_date::date, r.theater_id::bigint, 0::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from theater_daily_sales r where r.sale_date in (select sale_date from days)
union all select 2, r.sale_date::date, r.movie_id::bigint, 0::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from movie_daily_sales r where r.sale_date in (select sale_date from days)
union all select 3, r.sale_date::date, r.theater_id::bigint, r.movie_id::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from theater_movie_daily_sales r where r.sale_date in (select sale_date from days)
union all select 4, r.sale_date::date, 0::bigint, 0::bigint, r.channel::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from channel_daily_sales r where r.sale_date in (select sale_date from days)
union all select 6, st.business_date::date, r.showtime_id::bigint, 0::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, 0::bigint from showtime_sales r join showtimes st using (showtime_id) where st.business_date in (select sale_date from days)
union all select 7, r.sale_date::date, 0::bigint, 0::bigint, null::text, case when r.minute = 'infinity' then 9223372036854775807 when r.minute = '-infinity' then -9223372036854775808 else (extract(epoch from r.minute) / 60)::bigint end, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from chain_date_minute_sales r where r.sale_date in (select sale_date from days)
union all select 8, r.sale_date::date, r.theater_id::bigint, r.hour::bigint, null::text, null::bigint, r.tickets_sold::bigint, r.revenue::numeric, r.sales_count::bigint from theater_hourly_sales r where r.sale_date in (select sale_date from days)
