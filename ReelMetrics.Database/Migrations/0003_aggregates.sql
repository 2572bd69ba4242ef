-- Pre-aggregated totals the APIs read, maintained by the consumer in the same transaction
-- that inserts the sales, so they always equal an aggregate over the sales table.
create table theater_daily_sales (
    sale_date    date           not null,
    theater_id   integer        not null references theaters,
    tickets_sold bigint         not null,
    revenue      numeric(14, 2) not null,
    sales_count  bigint         not null,
    primary key (sale_date, theater_id)
);

create table movie_daily_sales (
    sale_date    date           not null,
    movie_id     integer        not null references movies,
    tickets_sold bigint         not null,
    revenue      numeric(14, 2) not null,
    sales_count  bigint         not null,
    primary key (sale_date, movie_id)
);

create table theater_movie_daily_sales (
    sale_date    date           not null,
    theater_id   integer        not null references theaters,
    movie_id     integer        not null references movies,
    tickets_sold bigint         not null,
    revenue      numeric(14, 2) not null,
    sales_count  bigint         not null,
    primary key (sale_date, theater_id, movie_id)
);
create index theater_movie_daily_sales_theater on theater_movie_daily_sales (theater_id, sale_date);

create table channel_daily_sales (
    sale_date    date           not null,
    channel      text           not null,
    tickets_sold bigint         not null,
    revenue      numeric(14, 2) not null,
    sales_count  bigint         not null,
    primary key (sale_date, channel)
);

-- Chain-wide sales per minute of sold_at (UTC): sales per minute, pace against last week.
create table chain_minute_sales (
    minute       timestamptz    primary key,
    tickets_sold bigint         not null,
    revenue      numeric(14, 2) not null,
    sales_count  bigint         not null
);

-- Tickets sold per showtime: occupancy is tickets_sold / showtimes.capacity.
create table showtime_sales (
    showtime_id  bigint         primary key references showtimes,
    tickets_sold integer        not null,
    revenue      numeric(14, 2) not null
);
