-- Pipeline status: each consumer process writes its own row about once a second (ReelMetrics.Consumer,
-- PipelineHeartbeat). The APIs derive the pipeline's state from these rows: a row whose heartbeat is old, or that
-- says its process stopped, belongs to a consumer that is gone, so it no longer makes the pipeline live (its newest
-- sale still counts as the newest sale stored). Rows older than a day are removed when a consumer starts.
create table pipeline_heartbeats (
    consumer_id       uuid        primary key,            -- one per process run
    host              text        not null,
    started_at        timestamptz not null,
    heartbeat_at      timestamptz not null,
    stopped_at        timestamptz,                        -- set by a clean shutdown
    newest_sold_at    timestamptz,                        -- the newest sale this process stored (sold_at)…
    newest_stored_at  timestamptz,                        -- …and when it was committed
    last_batch_at     timestamptz,                        -- the last batch it stored (sales, duplicates or dead letters)
    consumer_lag      bigint      not null check (consumer_lag >= 0),  -- messages on its partitions not yet consumed
    backlog_since     timestamptz,                        -- since when its lag has been above zero at every heartbeat
    sales_last_minute integer     not null check (sales_last_minute >= 0),
    partitions        integer     not null check (partitions >= 0)
);

-- Alerts raised by the APIs' evaluator (ReelMetrics.Api/Alerts): one row per time a condition became true, resolved
-- when it stopped being true. At most one open alert per rule and subject, even with two APIs evaluating at once.
create table alerts (
    alert_id    bigint generated always as identity primary key,
    rule        text        not null,
    subject     text        not null,
    severity    text        not null check (severity in ('info', 'warning', 'critical')),
    message     text        not null,
    details     jsonb       not null default '{}',
    raised_at   timestamptz not null,
    resolved_at timestamptz,
    check (resolved_at is null or resolved_at >= raised_at)
);
create unique index alerts_open_per_subject on alerts (rule, subject) where resolved_at is null;
create index alerts_raised_at on alerts (raised_at desc, alert_id desc);

-- The quiet-theater rule asks when each theater last sold a ticket: one short backward index scan per theater instead
-- of a scan of all sales. This is the one index sales gets on top of its key; it costs ingestion an index entry per
-- sale, far less than the foreign keys 0004 removed.
create index sales_theater_sold_at on sales (theater_id, sold_at);
