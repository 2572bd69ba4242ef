using System.Text;
using ReelMetrics.LocalInfrastructure.Postgres;
using ReelMetrics.Tests.Fixtures;

[assembly: AssemblyFixture(typeof(PostgresFixture))]

namespace ReelMetrics.Tests.Fixtures;

/// <summary>
/// One PostgreSQL server for the whole test run (an xunit assembly fixture: add a <see cref="PostgresFixture"/> constructor
/// parameter to any test class). The server starts on first use, in a scratch data directory that is deleted afterwards.
/// Isolate test classes by giving each its own database with <see cref="CreateDatabaseAsync"/>.
/// </summary>
/// <remarks>
/// The cluster is not durable (fsync and synchronous_commit are off) for speed: data survives clean restarts, not crashes.
/// It allows 500 connections; each database's connection string has its own Npgsql pool, so dispose data sources you create.
/// Tests that stop, kill or reconfigure a server must start their own <see cref="LocalPostgresServer"/> instead.
/// Safe to use from parallel tests.
/// </remarks>
public sealed class PostgresFixture : IAsyncDisposable
{
    private const string Kind = "pg";
    private readonly Lazy<Task<LocalPostgresServer>> server;
    private string? directory;
    private int sequence;

    /// <summary>Creates the fixture; the server itself starts on first use.</summary>
    public PostgresFixture() => server = new(StartAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// Creates a new, empty database and returns its connection string
    /// (<c>Host=127.0.0.1;Port=N;Username=postgres;Password=…;Database=…</c>). The name is <paramref name="prefix"/>
    /// (lowercased, reduced to letters, digits and underscores; default "test") followed by a unique number.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null, CancellationToken cancellationToken = default)
    {
        var postgres = await server.Value.WaitAsync(cancellationToken);
        var name = $"{Sanitize(prefix)}_{Interlocked.Increment(ref sequence)}";
        return await postgres.CreateDatabaseAsync(name, cancellationToken);
    }

    /// <summary>Stops the server, if it was started, and deletes its data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (server.IsValueCreated)
        {
            try
            {
                await using var postgres = await server.Value;
            }
            catch (Exception)
            {
                // A start that failed has already been reported by every test that used the fixture.
            }
        }

        if (directory is not null)
        {
            TestDirectories.Delete(directory);
        }
    }

    private async Task<LocalPostgresServer> StartAsync()
    {
        await RemoveAbandonedAsync();
        directory = TestDirectories.Create(Kind);
        return await LocalPostgresServer.StartNewAsync(new LocalPostgresOptions
        {
            DataDirectory = Path.Combine(directory, "data"),
            Password = "reelmetrics-tests",
            Durable = false,
            // Every test database gets its own Npgsql pool, and idle pooled connections linger for minutes.
            Settings = new Dictionary<string, string> { ["max_connections"] = "500" },
        });
    }

    /// <summary>Stops servers and deletes data directories that killed test runs left behind.</summary>
    private static async Task RemoveAbandonedAsync()
    {
        foreach (var abandoned in TestDirectories.Abandoned(Kind))
        {
            try
            {
                await LocalPostgresServer.StopOrphanAsync(Path.Combine(abandoned, "data"));
                TestDirectories.Delete(abandoned);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Best effort: a directory that cannot be cleaned now is tried again by the next run.
            }
        }
    }

    private static string Sanitize(string? prefix)
    {
        var name = new StringBuilder();
        foreach (var c in (prefix ?? "test").ToLowerInvariant())
        {
            name.Append(char.IsAsciiLetterOrDigit(c) ? c : '_');
            if (name.Length == 40)
            {
                break;
            }
        }

        return name.Length == 0 || char.IsAsciiDigit(name[0]) ? "t" + name : name.ToString();
    }
}
