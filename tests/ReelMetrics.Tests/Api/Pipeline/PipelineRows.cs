using Npgsql;

namespace ReelMetrics.Tests.Api.Pipeline;

/// <summary>Writes the rows the pipeline's status and the alert rules read, with times a test chooses.</summary>
internal sealed class PipelineRows(NpgsqlDataSource database)
{
    /// <summary>A consumer's heartbeat row as a test wants it; times are absolute.</summary>
    public sealed record Heartbeat(DateTimeOffset HeartbeatAt)
    {
        public Guid ConsumerId { get; init; } = Guid.NewGuid();
        public DateTimeOffset? StoppedAt { get; init; }
        public DateTimeOffset? NewestSoldAt { get; init; }
        public DateTimeOffset? NewestStoredAt { get; init; }
        public DateTimeOffset? LastBatchAt { get; init; }
        public long Lag { get; init; }
        public DateTimeOffset? BacklogSince { get; init; }
        public int SalesLastMinute { get; init; }
        public int Partitions { get; init; } = 1;
    }

    public async Task ClearHeartbeatsAsync() => await ExecuteAsync("delete from pipeline_heartbeats");

    public async Task ClearAlertsAsync() => await ExecuteAsync("delete from alerts");

    public async Task WriteAsync(params Heartbeat[] heartbeats)
    {
        foreach (var h in heartbeats)
        {
            await ExecuteAsync("""
                insert into pipeline_heartbeats (consumer_id, host, started_at, heartbeat_at, stopped_at, newest_sold_at, newest_stored_at,
                                                 last_batch_at, consumer_lag, backlog_since, sales_last_minute, partitions)
                values ($1, 'test', $2, $2, $3, $4, $5, $6, $7, $8, $9, $10)
                """, h.ConsumerId, h.HeartbeatAt, Db(h.StoppedAt), Db(h.NewestSoldAt), Db(h.NewestStoredAt), Db(h.LastBatchAt), h.Lag,
                Db(h.BacklogSince), h.SalesLastMinute, h.Partitions);
        }
    }

    /// <summary>Dead letters of <paramref name="reason"/> received at the given instants.</summary>
    public async Task DeadLettersAsync(string reason, params DateTimeOffset[] receivedAt)
    {
        foreach (var at in receivedAt)
        {
            await ExecuteAsync("""
                insert into dead_letters (received_at, reason, detail, topic, kafka_partition, kafka_offset, payload, message_id, published_at)
                values ($1, $2, 'test', 'ticket-sales', 0, (random() * 1e12)::bigint, '\x7b7d'::bytea, gen_random_uuid(), $1)
                """, at, reason);
        }
    }

    public async Task ClearDeadLettersAsync() => await ExecuteAsync("delete from dead_letters");

    /// <summary>
    /// A sale of one ticket for the business date of <paramref name="soldAt"/> (UTC), with what the consumer adds to the
    /// theater's daily row: what "when did this theater last sell" reads.
    /// </summary>
    public async Task SaleAsync(int theaterId, DateTimeOffset soldAt)
    {
        await ExecuteAsync("""
            insert into sales (event_id, sold_at, theater_id, movie_id, sale_date, tickets_sold, ticket_price, revenue, currency, channel)
            values (gen_random_uuid(), $1, $2, 1, ($1 at time zone 'UTC')::date, 1, 10, 10, 'USD', 'online')
            """, soldAt, theaterId);
        await ExecuteAsync("""
            insert into theater_daily_sales as a (sale_date, theater_id, tickets_sold, revenue, sales_count, last_sold_at)
            values (($1 at time zone 'UTC')::date, $2, 1, 10, 1, $1)
            on conflict (sale_date, theater_id) do update set tickets_sold = a.tickets_sold + 1, revenue = a.revenue + 10,
                sales_count = a.sales_count + 1, last_sold_at = greatest(a.last_sold_at, excluded.last_sold_at)
            """, soldAt, theaterId);
    }

    /// <summary>Sets a theater's sales count of each date (the aggregate its usual rhythm is read from).</summary>
    public async Task DailySalesAsync(int theaterId, IEnumerable<DateOnly> dates, long salesCount)
    {
        foreach (var date in dates)
        {
            await ExecuteAsync("""
                insert into theater_daily_sales (sale_date, theater_id, tickets_sold, revenue, sales_count) values ($1, $2, $3, $3 * 10, $3)
                on conflict (sale_date, theater_id) do update set sales_count = excluded.sales_count
                """, date, theaterId, salesCount);
        }
    }

    private static object Db(DateTimeOffset? value) => value is { } v ? v : DBNull.Value;

    private async Task ExecuteAsync(string sql, params object[] parameters)
    {
        await using var command = database.CreateCommand(sql);
        foreach (var value in parameters)
        {
            command.Parameters.Add(value switch
            {
                DBNull => new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                DateTimeOffset instant => new NpgsqlParameter { Value = instant.ToUniversalTime() },
                _ => new NpgsqlParameter { Value = value },
            });
        }
        await command.ExecuteNonQueryAsync();
    }
}
