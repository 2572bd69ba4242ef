-- Every sale, once: event_id is the identity that makes redelivery harmless.
create table sales (
    event_id      uuid          primary key,
    sold_at       timestamptz   not null,
    theater_id    integer       not null references theaters,
    movie_id      integer       not null references movies,
    showtime_id   bigint        references showtimes,  -- null for original-format events
    sale_date     date          not null,
    tickets_sold  integer       not null check (tickets_sold > 0),
    ticket_price  numeric(8, 2) not null check (ticket_price > 0),
    revenue       numeric(12, 2) not null,
    currency      char(3)       not null,
    channel       text          not null check (channel in ('online', 'box_office', 'kiosk')),
    ingested_at   timestamptz   not null default now()
);
create index sales_sale_date on sales (sale_date);

-- Events that could not be used, with why. Kafka coordinates make re-processing idempotent.
create table dead_letters (
    dead_letter_id  bigint generated always as identity primary key,
    received_at     timestamptz not null default now(),
    reason          text        not null,
    detail          text        not null,
    topic           text        not null,
    kafka_partition integer     not null,
    kafka_offset    bigint      not null,
    message_key     text,
    payload         bytea       not null,
    unique (topic, kafka_partition, kafka_offset)
);
create index dead_letters_reason on dead_letters (reason);
