using System.Globalization;
using Npgsql;
using ReelMetrics.Contracts.Live;
using StackExchange.Redis;
using static ReelMetrics.Contracts.Live.LiveKeys;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Keeps the live aggregates in Redis equal to PostgreSQL's. Every write is an absolute total
/// with <c>ZADD GT</c> (see <see cref="LiveKeys"/>), so applying a batch twice, out of order, or
/// alongside a rebuild gives the same result. When Redis was flushed or replaced (the
/// <see cref="LiveKeys.Built"/> marker is gone), or writes to it failed, it is rebuilt from PostgreSQL.
/// </summary>
internal sealed class LiveAggregates(IConnectionMultiplexer redis, NpgsqlDataSource dataSource, ILogger<LiveAggregates> logger)
{
    private IDatabase Db => redis.GetDatabase();

    /// <summary>True when a write failed and the cache must be rebuilt before it can be trusted.</summary>
    public bool NeedsRebuild { get; private set; } = true;

    /// <summary>Applies a batch's new totals and announces the update. On failure, marks the cache for rebuild.</summary>
    public async Task ApplyAsync(IReadOnlyList<AggregateTotal> totals)
    {
        if (totals.Count == 0) return;
        try
        {
            var batch = Db.CreateBatch();
            var writes = new List<Task>(totals.Count * 3 + 1);
            foreach (var total in totals) Write(batch, writes, total);
            writes.Add(batch.PublishAsync(RedisChannel.Literal(SalesUpdatedChannel), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            batch.Execute();
            await Task.WhenAll(writes);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            NeedsRebuild = true;
            logger.LogWarning("Redis write failed ({Message}); the live cache will be rebuilt from PostgreSQL when Redis answers", ex.Message);
        }
    }

    /// <summary>Rebuilds when needed: after a failed write, or when the cache lost its marker (flush, new server).</summary>
    public async Task RebuildIfNeededAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (!NeedsRebuild && await Db.KeyExistsAsync(Built)) return;
            await RebuildAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or NpgsqlException)
        {
            NeedsRebuild = true;
            logger.LogWarning("Live cache rebuild failed ({Message}); will retry", ex.Message);
        }
    }

    /// <summary>Writes every aggregate PostgreSQL holds. Safe while batches are applied concurrently.</summary>
    public async Task RebuildAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(RebuildSql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var batch = Db.CreateBatch();
        var writes = new List<Task>();
        var rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            Write(batch, writes, AggregateTotal.Read(reader));
            if (++rows % 10_000 == 0)
            {
                batch.Execute();
                await Task.WhenAll(writes);
                writes.Clear();
                batch = Db.CreateBatch();
            }
        }
        writes.Add(batch.StringSetAsync(Built, started.ToString("O", CultureInfo.InvariantCulture)));
        writes.Add(batch.PublishAsync(RedisChannel.Literal(SalesUpdatedChannel), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        batch.Execute();
        await Task.WhenAll(writes);
        NeedsRebuild = false;
        logger.LogInformation("Rebuilt the live cache from PostgreSQL: {Rows} aggregate rows in {Elapsed} ms",
            rows, (DateTimeOffset.UtcNow - started).TotalMilliseconds);
    }

    private static void Write(IBatch batch, List<Task> writes, AggregateTotal total)
    {
        var revenue = (double)total.Revenue;
        switch (total.Kind)
        {
            case AggregateKind.TheaterDay:
                Add(Theaters(total.Date, Measure.Revenue), total.Key1, revenue);
                Add(Theaters(total.Date, Measure.Tickets), total.Key1, total.TicketsSold);
                Add(Theaters(total.Date, Measure.Sales), total.Key1, total.SalesCount);
                break;
            case AggregateKind.MovieDay:
                Add(Movies(total.Date, Measure.Revenue), total.Key1, revenue);
                Add(Movies(total.Date, Measure.Tickets), total.Key1, total.TicketsSold);
                break;
            case AggregateKind.TheaterMovieDay:
                Add(TheaterMovies(total.Date, (int)total.Key1, Measure.Revenue), total.Key2, revenue);
                Add(TheaterMovies(total.Date, (int)total.Key1, Measure.Tickets), total.Key2, total.TicketsSold);
                break;
            case AggregateKind.ChannelDay:
                AddMember(Channels(total.Date, Measure.Revenue), total.Channel!, revenue);
                AddMember(Channels(total.Date, Measure.Tickets), total.Channel!, total.TicketsSold);
                AddMember(Channels(total.Date, Measure.Sales), total.Channel!, total.SalesCount);
                break;
            case AggregateKind.ChainMinute:
                var minute = total.Minute!.Value.UtcDateTime;
                var day = DateOnly.FromDateTime(minute);
                var minuteOfDay = minute.Hour * 60 + minute.Minute;
                Add(Minutes(day, Measure.Revenue), minuteOfDay, revenue);
                Add(Minutes(day, Measure.Tickets), minuteOfDay, total.TicketsSold);
                Add(Minutes(day, Measure.Sales), minuteOfDay, total.SalesCount);
                break;
            case AggregateKind.Showtime:
                Add(Showtimes(total.Date), total.Key1, total.TicketsSold);
                break;
        }

        void Add(string key, long member, double score) =>
            AddMember(key, member.ToString(CultureInfo.InvariantCulture), score);

        void AddMember(string key, string member, double score) =>
            writes.Add(batch.SortedSetAddAsync(key, member, score, SortedSetWhen.GreaterThan));
    }

    private const string RebuildSql = """
        select 1, sale_date, theater_id::bigint, 0::bigint, null::text, null::timestamptz, tickets_sold, revenue, sales_count from theater_daily_sales
        union all select 2, sale_date, movie_id, 0, null, null, tickets_sold, revenue, sales_count from movie_daily_sales
        union all select 3, sale_date, theater_id, movie_id, null, null, tickets_sold, revenue, sales_count from theater_movie_daily_sales
        union all select 4, sale_date, 0, 0, channel, null, tickets_sold, revenue, sales_count from channel_daily_sales
        union all select 5, null, 0, 0, null, minute, tickets_sold, revenue, sales_count from chain_minute_sales
        union all select 6, st.business_date, s.showtime_id, 0, null, null, s.tickets_sold, s.revenue, 0 from showtime_sales s join showtimes st using (showtime_id)
        """;
}
