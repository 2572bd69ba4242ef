using System.Globalization;
using Npgsql;
using ReelMetrics.Contracts.Live;
using ReelMetrics.Contracts.Rollups;
using StackExchange.Redis;
using static ReelMetrics.Contracts.Live.LiveKeys;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Keeps the live aggregates in Redis equal to PostgreSQL's. Every write is an absolute total
/// with <c>ZADD GT</c> (see <see cref="LiveKeys"/>), so applying a batch twice, out of order, or
/// alongside a rebuild gives the same result. When Redis was flushed or replaced (the
/// <see cref="LiveKeys.Built"/> marker is gone), or writes to it failed, it is rebuilt from PostgreSQL. What is
/// mirrored, and how, is declared with each rollup (<see cref="Rollups"/>, <see cref="LiveMirror"/>).
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
    public async Task ApplyAsync(IReadOnlyList<RollupRow> totals)
    {
        if (totals.Count == 0) return;
        try
        {
            var batch = Db.CreateBatch();
            var writes = new List<Task>(totals.Count * 3 + 1);
            foreach (var total in totals)
            {
                foreach (var (key, member, score) in total.LiveEntries()) writes.Add(batch.SortedSetAddAsync(key, member, score, SortedSetWhen.GreaterThan));
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
        await using (var command = new NpgsqlCommand(RollupSql.Recent, connection) { Parameters = { new() { Value = ReconciledDays } } })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                foreach (var (key, member, score) in RollupSql.Read(reader).LiveEntries())
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
        await using var command = new NpgsqlCommand(RollupSql.Rebuild, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var batch = Db.CreateBatch();
        var writes = new List<Task>();
        var rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            // GT: a batch another consumer applies meanwhile is newer than this snapshot and must win.
            foreach (var (key, member, score) in RollupSql.Read(reader).LiveEntries()) writes.Add(batch.SortedSetAddAsync(key, member, score, SortedSetWhen.GreaterThan));
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
}
