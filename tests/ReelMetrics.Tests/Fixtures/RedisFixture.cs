using System.Collections.Concurrent;
using ReelMetrics.LocalInfrastructure.Redis;
using ReelMetrics.Tests.Fixtures;
using StackExchange.Redis;

[assembly: AssemblyFixture(typeof(RedisFixture))]

namespace ReelMetrics.Tests.Fixtures;

/// <summary>
/// One Garnet (Redis-compatible) server for the whole test run (an xunit assembly fixture: add a <see cref="RedisFixture"/>
/// constructor parameter to any test class). It starts on first use, in this process, with Lua enabled and no password.
/// </summary>
/// <remarks>
/// Isolation is by logical database: each database handed out goes to one caller only, in a connection string with
/// <c>defaultDatabase=N</c>, so code that calls <c>GetDatabase()</c> without an argument, Lua scripts included, stays inside
/// it. Never flush the whole server (FLUSHALL would hit everyone). Garnet allows at most 256 databases; database 0 is shared
/// (<see cref="ConnectionString"/>), leaving 255: use <see cref="LeaseDatabaseAsync"/> per test (the database is flushed and
/// reused after the lease ends) and <see cref="CreateDatabase"/> only for state that lives for the whole run.
/// Tests that stop or restart Redis must start their own <see cref="LocalRedisServer"/>. Safe to use from parallel tests.
/// </remarks>
public sealed class RedisFixture : IAsyncDisposable
{
    /// <summary>Logical databases the server offers (Garnet's maximum).</summary>
    public const int MaxDatabases = 256;

    private readonly Lazy<LocalRedisServer> server = new(() => LocalRedisServer.StartNew(new LocalRedisOptions
    {
        MemorySize = "1g",
        IndexSize = "16m",
        IndexMaxSize = "256m",
        MaxDatabases = MaxDatabases,
    }), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly ConcurrentQueue<int> free = new(Enumerable.Range(1, MaxDatabases - 1));
    private readonly SemaphoreSlim adminGate = new(1, 1);
    private ConnectionMultiplexer? admin;

    /// <summary>Connection string for the shared database 0 (<c>127.0.0.1:port</c>).</summary>
    public string ConnectionString => server.Value.ConnectionString;

    /// <summary>The server's port on 127.0.0.1.</summary>
    public int Port => server.Value.Port;

    /// <summary>Returns a connection string (<c>127.0.0.1:port,defaultDatabase=N,channelPrefix=dbN:</c>) for an empty database that is never handed out again.</summary>
    /// <exception cref="InvalidOperationException">All 255 databases are in use.</exception>
    public string CreateDatabase() => ConnectionStringOf(Take());

    // Pub/sub channels are the server's, not a database's: each database gets its own channel prefix, so one test's
    // "sales updated" notifications do not reach another's API (which would drop its shared reads early).
    private string ConnectionStringOf(int database) => $"{server.Value.GetConnectionString(database)},channelPrefix=db{database}:";

    /// <summary>
    /// Lends an empty database until the lease is disposed; it is then flushed and lent again later. Dispose it when the test
    /// is done with Redis (e.g. from the test class's <c>DisposeAsync</c>).
    /// </summary>
    /// <exception cref="InvalidOperationException">All 255 databases are in use.</exception>
    public Task<RedisDatabaseLease> LeaseDatabaseAsync()
    {
        var database = Take();
        return Task.FromResult(new RedisDatabaseLease(ConnectionStringOf(database), database, () => ReturnAsync(database)));
    }

    /// <summary>Stops the server if it was started.</summary>
    public async ValueTask DisposeAsync()
    {
        if (admin is not null)
        {
            await admin.DisposeAsync();
        }

        if (server.IsValueCreated)
        {
            server.Value.Dispose();
        }

        adminGate.Dispose();
    }

    private int Take() => free.TryDequeue(out var database)
        ? database
        : throw new InvalidOperationException($"All {MaxDatabases - 1} Redis test databases are in use: dispose leases from LeaseDatabaseAsync when tests end.");

    private async ValueTask ReturnAsync(int database)
    {
        await adminGate.WaitAsync();
        try
        {
            admin ??= await ConnectionMultiplexer.ConnectAsync(server.Value.ConnectionString + ",allowAdmin=true");
        }
        finally
        {
            adminGate.Release();
        }

        await admin.GetServers()[0].FlushDatabaseAsync(database);
        free.Enqueue(database);
    }
}

/// <summary>A Redis logical database lent to one test by <see cref="RedisFixture.LeaseDatabaseAsync"/>; disposing it gives it back.</summary>
/// <param name="connectionString">StackExchange.Redis connection string selecting the database (<c>defaultDatabase=N</c>).</param>
/// <param name="database">The database number.</param>
/// <param name="release">Flushes the database and returns it to the fixture.</param>
public sealed class RedisDatabaseLease(string connectionString, int database, Func<ValueTask> release) : IAsyncDisposable
{
    private int released;

    /// <summary>StackExchange.Redis connection string selecting the database (<c>127.0.0.1:port,defaultDatabase=N</c>).</summary>
    public string ConnectionString { get; } = connectionString;

    /// <summary>The database number.</summary>
    public int Database { get; } = database;

    /// <summary>Flushes the database and returns it to the fixture (once).</summary>
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref released, 1) == 0 ? release() : ValueTask.CompletedTask;
}
