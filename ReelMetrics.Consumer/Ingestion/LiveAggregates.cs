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
/// <para>
/// Rebuilds and reconciliation run beside ingestion (<see cref="LiveCacheKeeper"/>), never inside the ingest loop:
/// a rebuild reads every aggregate PostgreSQL holds, and ingestion must not pause for it. That is safe because a
/// batch's totals are applied only after PostgreSQL committed them: a rebuild that starts after the commit reads
/// them, and one that started before is overtaken by the batch's own write (GT). While the cache is known to have
/// missed a write and no rebuild has started since, <see cref="ApplyAsync"/> skips Redis altogether (the next
/// rebuild starts after the batch was committed, so it reads it): an outage then costs one timeout, not one per batch.
/// </para>
/// </remarks>
internal sealed class LiveAggregates(IConnectionMultiplexer redis, NpgsqlDataSource dataSource, ILogger<LiveAggregates> logger, IngestionMetrics? metrics = null) : IDisposable
{
    private const int ReconciledDays = 3;
    // The rebuild lock is a lease, renewed while the rebuild runs: a consumer killed mid-rebuild holds it this long at most.
    private static readonly TimeSpan RebuildLease = TimeSpan.FromSeconds(15);
    private readonly string lockOwner = Guid.NewGuid().ToString("N");
    private readonly SemaphoreSlim writeFailed = new(0, 1);

    // Failed writes are counted; a rebuild covers the failures counted when it started. The cache starts unknown,
    // as if a write had failed: a consumer cannot tell whether its predecessor died between PostgreSQL and Redis.
    private long writeFailures = 1;
    private long rebuildStartedAt;
    private long rebuiltThrough;

    private IDatabase Db => redis.GetDatabase();

    public void Dispose() => writeFailed.Dispose();

    /// <summary>True when a write failed (or nothing was built yet) and the cache must be rebuilt before it can be trusted.</summary>
    public bool NeedsRebuild => Volatile.Read(ref writeFailures) != Volatile.Read(ref rebuiltThrough);

    /// <summary>Completes when a write fails after <paramref name="timeout"/> at the latest: what the keeper waits on between checks.</summary>
    public async Task WaitForWriteFailureAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        await writeFailed.WaitAsync(timeout, cancellationToken);

    /// <summary>Applies a batch's new totals and announces the update. On failure, marks the cache for rebuild.</summary>
    public async Task ApplyAsync(IReadOnlyList<RollupRow> totals)
    {
        if (totals.Count == 0) return;
        // Missed a write, and no rebuild has started since: the next one will read these totals from PostgreSQL. The
        // APIs read PostgreSQL meanwhile, and are still told that sales changed (the live view waits for that news).
        if (Volatile.Read(ref writeFailures) != Volatile.Read(ref rebuildStartedAt))
        {
            AnnounceWithoutWaiting();
            return;
        }
        try
        {
            var batch = Db.CreateBatch();
            var writes = new List<Task>();
            AddEntries(batch, writes, totals);
            writes.Add(batch.PublishAsync(RedisChannel.Literal(SalesUpdatedChannel), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
            batch.Execute();
            await Task.WhenAll(writes);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Interlocked.Increment(ref writeFailures);
            try { writeFailed.Release(); } catch (SemaphoreFullException) { }   // the keeper is woken already
            logger.LogWarning("Redis write failed ({Message}); the APIs read PostgreSQL until the live cache is rebuilt", ex.Message);
            await ForgetBuiltAsync();
        }
    }

    /// <summary>Publishes "sales updated" without waiting for Redis, which may be down: nothing is lost if it is.</summary>
    private void AnnounceWithoutWaiting()
    {
        try
        {
            Db.Publish(RedisChannel.Literal(SalesUpdatedChannel), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis does not answer: the APIs poll PostgreSQL then.
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

    /// <summary>
    /// Writes every aggregate PostgreSQL holds into an emptied cache, then sets the marker. One consumer at a time
    /// (<see cref="LiveKeys.RebuildLock"/>): while another rebuilds, this returns false and the caller tries again later.
    /// </summary>
    /// <returns>True when this call rebuilt the cache and it can be trusted.</returns>
    public async Task<bool> RebuildAsync(CancellationToken cancellationToken)
    {
        if (!await Db.LockTakeAsync(RebuildLock, lockOwner, RebuildLease))
        {
            logger.LogInformation("Another consumer is rebuilding the live cache; checking again later");
            return false;
        }
        using var rebuilding = new CancellationTokenSource();
        var renewing = RenewLeaseAsync(rebuilding.Token);
        try
        {
            return await RebuildHoldingLockAsync(cancellationToken);
        }
        finally
        {
            await rebuilding.CancelAsync();
            await renewing;
            await ReleaseLockAsync();
        }
    }

    /// <summary>Extends the rebuild lock every third of its lease until <paramref name="done"/>.</summary>
    private async Task RenewLeaseAsync(CancellationToken done)
    {
        try
        {
            while (true)
            {
                await Task.Delay(RebuildLease / 3, done);
                if (!await Db.LockExtendAsync(RebuildLock, lockOwner, RebuildLease))
                {
                    logger.LogWarning("The live cache rebuild lock expired while rebuilding; another consumer may rebuild at the same time");
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (done.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis went away: the rebuild fails on its own writes.
        }
    }

    private async Task<bool> RebuildHoldingLockAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var covering = Volatile.Read(ref writeFailures);
        Volatile.Write(ref rebuildStartedAt, covering);   // batches from here on are written again: this rebuild may miss them
        await ForgetBuiltAsync(throwOnFailure: true);
        var deleted = await DeleteLiveKeysAsync();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(RollupSql.Rebuild, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var batch = Db.CreateBatch();
        var writes = new List<Task>();
        var chunk = new List<RollupRow>(RebuildChunk);
        var rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            chunk.Add(RollupSql.Read(reader));
            rows++;
            if (chunk.Count < RebuildChunk) continue;
            // GT: a batch another consumer applies meanwhile is newer than this snapshot and must win.
            AddEntries(batch, writes, chunk);
            batch.Execute();
            await Task.WhenAll(writes);
            writes.Clear();
            chunk.Clear();
            batch = Db.CreateBatch();
        }
        AddEntries(batch, writes, chunk);
        writes.Add(batch.StringSetAsync(Built, started.ToString("O", CultureInfo.InvariantCulture)));
        writes.Add(batch.PublishAsync(RedisChannel.Literal(SalesUpdatedChannel), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        batch.Execute();
        await Task.WhenAll(writes);
        if (Volatile.Read(ref writeFailures) != covering)
        {
            // A batch's write failed while this ran, perhaps after the snapshot was read: not complete after all.
            await ForgetBuiltAsync();
            logger.LogWarning("A Redis write failed during the live cache rebuild; rebuilding again");
            return false;
        }
        Volatile.Write(ref rebuiltThrough, covering);
        logger.LogInformation("Rebuilt the live cache from PostgreSQL: {Rows} aggregate rows ({Deleted} old keys removed) in {Elapsed} ms",
            rows, deleted, (DateTimeOffset.UtcNow - started).TotalMilliseconds);
        return true;
    }

    private const int RebuildChunk = 10_000;

    /// <summary>
    /// Queues the sorted-set entries that show <paramref name="rows"/> (<see cref="RollupRow.LiveEntries"/>): one
    /// <c>ZADD GT</c> per key with all its members, so a batch of 40,000 sales is a few thousand commands, not tens of
    /// thousands. A member twice in one command keeps the greater score, as two commands would.
    /// </summary>
    private static void AddEntries(IBatch batch, List<Task> writes, IEnumerable<RollupRow> rows)
    {
        var byKey = new Dictionary<string, List<SortedSetEntry>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            foreach (var (key, member, score) in row.LiveEntries())
            {
                if (!byKey.TryGetValue(key, out var entries)) byKey[key] = entries = [];
                entries.Add(new SortedSetEntry(member, score));
            }
        }
        foreach (var (key, entries) in byKey) writes.Add(batch.SortedSetAddAsync(key, [.. entries], SortedSetWhen.GreaterThan));
    }

    private async Task ReleaseLockAsync()
    {
        try
        {
            await Db.LockReleaseAsync(RebuildLock, lockOwner);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis went away: the lock expires by itself.
        }
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
                if (key == Built || key == RebuildLock) continue;
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
