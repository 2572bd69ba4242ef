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
/// <remarks>
/// The APIs read Redis only while the <see cref="LiveKeys.Built"/> marker is there, PostgreSQL otherwise. A failed
/// write removes the marker (when Redis still answers) so no API serves a cache that missed a batch; a rebuild
/// removes it, deletes every live key, writes PostgreSQL's totals and only then sets it again: readers switch from
/// PostgreSQL to the new cache at once, and totals that went down (a restored database) come down too.
/// <see cref="ReconcileAsync"/> compares the recent days with PostgreSQL every so often and rebuilds on drift.
/// </remarks>
internal sealed class LiveAggregates(IConnectionMultiplexer redis, NpgsqlDataSource dataSource, ILogger<LiveAggregates> logger, IngestionMetrics? metrics = null)
{
    private const int ReconciledDays = 3;
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
            foreach (var total in totals)
            {
                foreach (var (key, member, score) in Entries(total)) writes.Add(batch.SortedSetAddAsync(key, member, score, SortedSetWhen.GreaterThan));
            }
            writes.Add(batch.PublishAsync(RedisChannel.Literal(SalesUpdatedChannel), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            batch.Execute();
            await Task.WhenAll(writes);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            NeedsRebuild = true;
            logger.LogWarning("Redis write failed ({Message}); the APIs read PostgreSQL until the live cache is rebuilt", ex.Message);
            await ForgetBuiltAsync();
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

    /// <summary>
    /// Compares the live cache with PostgreSQL for the most recent days; on a difference that persists, counts it
    /// (metric <c>reelmetrics.consumer.cache_drift</c>), logs it and rebuilds. Failures are logged, never thrown.
    /// </summary>
    /// <returns>How many values differed.</returns>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (NeedsRebuild) return 0;
            var drift = await DriftAsync(cancellationToken);
            // A batch of another consumer may sit between its commit and its Redis write: look again before calling it drift.
            if (drift > 0) drift = await DriftAsync(cancellationToken);
            if (drift == 0) return 0;
            metrics?.CacheDrift(drift);
            logger.LogWarning("The live cache differs from PostgreSQL in {Drift} values; rebuilding it", drift);
            await RebuildAsync(cancellationToken);
            return drift;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or NpgsqlException)
        {
            logger.LogWarning("Live cache reconciliation failed ({Message}); will retry", ex.Message);
            return 0;
        }
    }

    private async Task<int> DriftAsync(CancellationToken cancellationToken)
    {
        var expected = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var command = new NpgsqlCommand(RecentSql, connection) { Parameters = { new() { Value = ReconciledDays } } })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                foreach (var (key, member, score) in Entries(AggregateTotal.Read(reader)))
                {
                    if (!expected.TryGetValue(key, out var members)) expected[key] = members = new(StringComparer.Ordinal);
                    members[member] = score;
                }
            }
        }
        var db = Db;
        var reads = expected.Keys.ToDictionary(key => key, key => db.SortedSetRangeByRankWithScoresAsync(key), StringComparer.Ordinal);
        await Task.WhenAll(reads.Values);
        var drift = 0;
        foreach (var (key, members) in expected)
        {
            var actual = (await reads[key]).ToDictionary(e => (string)e.Element!, e => e.Score, StringComparer.Ordinal);
            drift += members.Count(m => !actual.TryGetValue(m.Key, out var score) || Math.Abs(score - m.Value) > 0.001);
            drift += actual.Keys.Count(member => !members.ContainsKey(member));
        }
        return drift;
    }

    /// <summary>Writes every aggregate PostgreSQL holds into an emptied cache, then sets the marker.</summary>
    public async Task RebuildAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        await ForgetBuiltAsync(throwOnFailure: true);
        var deleted = await DeleteLiveKeysAsync();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(RebuildSql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var batch = Db.CreateBatch();
        var writes = new List<Task>();
        var rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            // GT: a batch another consumer applies meanwhile is newer than this snapshot and must win.
            foreach (var (key, member, score) in Entries(AggregateTotal.Read(reader))) writes.Add(batch.SortedSetAddAsync(key, member, score, SortedSetWhen.GreaterThan));
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
        logger.LogInformation("Rebuilt the live cache from PostgreSQL: {Rows} aggregate rows ({Deleted} old keys removed) in {Elapsed} ms",
            rows, deleted, (DateTimeOffset.UtcNow - started).TotalMilliseconds);
    }

    private async Task ForgetBuiltAsync(bool throwOnFailure = false)
    {
        try
        {
            await Db.KeyDeleteAsync(Built);
        }
        catch (Exception ex) when (!throwOnFailure && ex is RedisException or TimeoutException)
        {
            // Redis does not answer at all: the APIs cannot read it either.
        }
    }

    private async Task<long> DeleteLiveKeysAsync()
    {
        long deleted = 0;
        foreach (var endpoint in redis.GetEndPoints())
        {
            var server = redis.GetServer(endpoint);
            if (server.IsReplica) continue;
            var keys = new List<RedisKey>();
            await foreach (var key in server.KeysAsync(pattern: Prefix + "*", pageSize: 1_000))
            {
                if (key == Built) continue;
                keys.Add(key);
                if (keys.Count == 1_000)
                {
                    deleted += await Db.KeyDeleteAsync([.. keys]);
                    keys.Clear();
                }
            }
            if (keys.Count > 0) deleted += await Db.KeyDeleteAsync([.. keys]);
        }
        return deleted;
    }

    /// <summary>The sorted-set entries (key, member, score) that show one total.</summary>
    private static IEnumerable<(string Key, string Member, double Score)> Entries(AggregateTotal total)
    {
        var revenue = (double)total.Revenue;
        switch (total.Kind)
        {
            case AggregateKind.TheaterDay:
                yield return (Theaters(total.Date, Measure.Revenue), Id(total.Key1), revenue);
                yield return (Theaters(total.Date, Measure.Tickets), Id(total.Key1), total.TicketsSold);
                yield return (Theaters(total.Date, Measure.Sales), Id(total.Key1), total.SalesCount);
                break;
            case AggregateKind.MovieDay:
                yield return (Movies(total.Date, Measure.Revenue), Id(total.Key1), revenue);
                yield return (Movies(total.Date, Measure.Tickets), Id(total.Key1), total.TicketsSold);
                break;
            case AggregateKind.TheaterMovieDay:
                yield return (TheaterMovies(total.Date, (int)total.Key1, Measure.Revenue), Id(total.Key2), revenue);
                yield return (TheaterMovies(total.Date, (int)total.Key1, Measure.Tickets), Id(total.Key2), total.TicketsSold);
                break;
            case AggregateKind.ChannelDay:
                yield return (Channels(total.Date, Measure.Revenue), total.Channel!, revenue);
                yield return (Channels(total.Date, Measure.Tickets), total.Channel!, total.TicketsSold);
                yield return (Channels(total.Date, Measure.Sales), total.Channel!, total.SalesCount);
                break;
            case AggregateKind.ChainMinute:
                var minute = total.Minute!.Value.UtcDateTime;
                var day = DateOnly.FromDateTime(minute);
                var minuteOfDay = Id(minute.Hour * 60 + minute.Minute);
                yield return (Minutes(day, Measure.Revenue), minuteOfDay, revenue);
                yield return (Minutes(day, Measure.Tickets), minuteOfDay, total.TicketsSold);
                yield return (Minutes(day, Measure.Sales), minuteOfDay, total.SalesCount);
                break;
            case AggregateKind.Showtime:
                yield return (Showtimes(total.Date), Id(total.Key1), total.TicketsSold);
                break;
            case AggregateKind.DateMinute:
                var soldMinute = Id(total.Key1);   // minutes since the Unix epoch (SalesStore.UnixMinuteSql)
                yield return (DateMinutes(total.Date, Measure.Revenue), soldMinute, revenue);
                yield return (DateMinutes(total.Date, Measure.Tickets), soldMinute, total.TicketsSold);
                break;
        }

        static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
    }

    private const string RebuildSql = $$"""
        select 1, sale_date, theater_id::bigint, 0::bigint, null::text, null::timestamptz, tickets_sold, revenue, sales_count from theater_daily_sales
        union all select 2, sale_date, movie_id, 0, null, null, tickets_sold, revenue, sales_count from movie_daily_sales
        union all select 3, sale_date, theater_id, movie_id, null, null, tickets_sold, revenue, sales_count from theater_movie_daily_sales
        union all select 4, sale_date, 0, 0, channel, null, tickets_sold, revenue, sales_count from channel_daily_sales
        union all select 5, null, 0, 0, null, minute, tickets_sold, revenue, sales_count from chain_minute_sales
        union all select 6, st.business_date, s.showtime_id, 0, null, null, s.tickets_sold, s.revenue, 0 from showtime_sales s join showtimes st using (showtime_id)
        union all select 7, sale_date, {{SalesStore.UnixMinuteSql}}, 0, null, minute, tickets_sold, revenue, sales_count from chain_date_minute_sales
        """;

    // The day-level aggregates of the most recent business dates with sales ($1 of them): what the dashboards show.
    private const string RecentSql = $$"""
        with days as (select distinct sale_date from theater_daily_sales order by sale_date desc limit $1)
        select 1, sale_date, theater_id::bigint, 0::bigint, null::text, null::timestamptz, tickets_sold, revenue, sales_count from theater_daily_sales where sale_date in (select sale_date from days)
        union all select 2, sale_date, movie_id, 0, null, null, tickets_sold, revenue, sales_count from movie_daily_sales where sale_date in (select sale_date from days)
        union all select 3, sale_date, theater_id, movie_id, null, null, tickets_sold, revenue, sales_count from theater_movie_daily_sales where sale_date in (select sale_date from days)
        union all select 4, sale_date, 0, 0, channel, null, tickets_sold, revenue, sales_count from channel_daily_sales where sale_date in (select sale_date from days)
        union all select 6, st.business_date, s.showtime_id, 0, null, null, s.tickets_sold, s.revenue, 0 from showtime_sales s join showtimes st using (showtime_id) where st.business_date in (select sale_date from days)
        union all select 7, sale_date, {{SalesStore.UnixMinuteSql}}, 0, null, minute, tickets_sold, revenue, sales_count from chain_date_minute_sales where sale_date in (select sale_date from days)
        """;
}
