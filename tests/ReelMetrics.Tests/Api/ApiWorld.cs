using System.Collections.Concurrent;
using ReelMetrics.Api.Security;
using ReelMetrics.Contracts;
using ReelMetrics.Tests.Fixtures;
using ReelMetrics.Tests.Ingestion;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// A test class's world: a fresh database and Redis database filled with <see cref="SeededSales"/> through the
/// consumer's real pipeline (<see cref="IngestionHarness"/>), and both APIs hosted over them on demand, with the
/// cache on or off, their clocks frozen at the moment the sales were made.
/// </summary>
public sealed class ApiWorld(PostgresFixture postgres, RedisFixture redis) : IAsyncLifetime
{
    private readonly ConcurrentDictionary<(Backend, bool), Lazy<ApiHost>> hosts = new();
    private readonly ConcurrentBag<ApiHost> started = [];

    internal IngestionHarness Harness { get; private set; } = null!;

    public SeededSales Sales { get; private set; } = null!;

    public FrozenClock Clock { get; private set; } = null!;

    public string Postgres => Harness.Database.ConnectionString;

    public string Redis => Harness.Redis.Configuration;

    public async ValueTask InitializeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        Clock = new FrozenClock(now);
        Harness = await IngestionHarness.CreateAsync(postgres, redis, "api");
        Sales = new SeededSales([], now);
        await IngestAsync(SeededSales.Create(now));
    }

    /// <summary>
    /// A client of the API of <paramref name="backend"/> over this world, signed in as the demo user of
    /// <paramref name="role"/>; the API is started on first use and shared by the class's tests.
    /// </summary>
    public HttpClient Client(Backend backend, bool useCache = true, string role = Roles.Viewer) => Host(backend, useCache).ClientAs(role);

    /// <summary>The API of <paramref name="backend"/> over this world, started on first use and shared by the class's tests.</summary>
    public ApiHost Host(Backend backend, bool useCache = true) =>
        hosts.GetOrAdd((backend, useCache), key => new Lazy<ApiHost>(() =>
            ApiHost.Start(key.Item1, new ApiSettings(Postgres, Redis, key.Item2), Clock))).Value;

    /// <summary>Starts an API of a test's own over this world's database; disposed with the world.</summary>
    public ApiHost StartHost(Backend backend, ApiSettings settings)
    {
        var host = ApiHost.Start(backend, settings, Clock);
        started.Add(host);
        return host;
    }

    /// <summary>Stores sales as the consumer does (PostgreSQL, then the live aggregates and the notification).</summary>
    public async Task IngestAsync(IReadOnlyCollection<TicketSold> sales)
    {
        foreach (var chunk in sales.Chunk(500))
        {
            var outcome = await Harness.ProcessAsync(chunk);
            Assert.Equal(chunk.Length, outcome.Stored);
        }
        Sales.Add(sales);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts.Values.Where(h => h.IsValueCreated).Select(h => h.Value).Concat(started))
        {
            await host.DisposeAsync();
        }
        if (Harness is not null) await Harness.DisposeAsync();
    }
}
