using System.Globalization;
using System.Net;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Contracts.Live;
using ReelMetrics.Tests.Fixtures;
using ReelMetrics.Tests.Kafka;
using StackExchange.Redis;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// Where answers come from: Redis when its live aggregates are complete, PostgreSQL when the cache is off, the
/// <c>rm:built</c> marker is missing or Redis is down — with the same answers, and a health that says which.
/// </summary>
public sealed class LiveCacheTests(ApiWorld world, RedisFixture redis) : IClassFixture<ApiWorld>
{
    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static TheoryData<Backend> Backends() => [Backend.Dapper, Backend.Ef];

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task HotReadsComeFromRedisWhenItIsComplete(Backend backend)
    {
        // A total only Redis knows (the API must not tell it from PostgreSQL's): theater 9 on a date nothing sold.
        var date = world.Sales.Today.AddDays(backend == Backend.Dapper ? 5 : 6);
        var db = world.Harness.Redis.GetDatabase();
        await db.SortedSetAddAsync(LiveKeys.Theaters(date, LiveKeys.Measure.Revenue), "9", 123.45);
        await db.SortedSetAddAsync(LiveKeys.Theaters(date, LiveKeys.Measure.Tickets), "9", 7);

        var cached = await world.Client(backend).FetchAsync($"/top-theater/{Day(date)}");
        var uncached = await world.Client(backend, useCache: false).FetchAsync($"/top-theater/{Day(date)}");

        Assert.Equal(new TopTheater(date, 9, SeededSales.TheaterName(9), 123.45m, 7), cached.As<TopTheater>());
        Assert.Contains("\"revenue\":123.45,", cached.Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, uncached.Status);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task OneRedisReadServesTheSameFiguresForTheHotReadLifetime(Backend backend)
    {
        var lifetime = TimeSpan.FromSeconds(2);
        await using var theater = StartWithHotReads(backend, lifetime, daysAgo: backend == Backend.Dapper ? 20 : 21, theaterId: 4);

        await theater.SellAsync(10.00m, 1);
        var first = await theater.FetchAsync();
        await theater.SellAsync(20.00m, 2);
        var shared = await theater.FetchAsync();   // within the lifetime: the same read
        await Task.Delay(lifetime + TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
        var next = await theater.FetchAsync();

        Assert.Equal((10.00m, 1L), (first.Revenue, first.TicketsSold));
        Assert.Equal(first, shared);
        Assert.Equal((20.00m, 2L), (next.Revenue, next.TicketsSold));
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ASalesUpdatedNotificationEndsTheSharedReadAtOnce(Backend backend)
    {
        // A lifetime far longer than the test: only the notification can end the shared read.
        await using var theater = StartWithHotReads(backend, TimeSpan.FromMinutes(5), daysAgo: backend == Backend.Dapper ? 22 : 23, theaterId: 5);

        await theater.SellAsync(10.00m, 1);
        var first = await theater.FetchAsync();
        await theater.SellAsync(30.00m, 3);
        var shared = await theater.FetchAsync();
        // What the consumer does after writing new totals. The API subscribes on its first read, in the background, so
        // the announcement is repeated until it is heard.
        TopTheater? next = null;
        await Eventually.TrueAsync(async () =>
        {
            await world.Harness.Redis.GetSubscriber().PublishAsync(RedisChannel.Literal(LiveKeys.SalesUpdatedChannel), 1);
            next = await theater.FetchAsync();
            return next.TicketsSold == 3;
        }, TimeSpan.FromSeconds(30), "the API to read Redis again after a sales-updated notification");

        Assert.Equal((10.00m, 1L), (first.Revenue, first.TicketsSold));
        Assert.Equal(first, shared);
        Assert.Equal((30.00m, 3L), (next!.Revenue, next.TicketsSold));
    }

    /// <summary>
    /// An API with the given hot-read lifetime, and one theater's figures on a date nothing sold, which only Redis knows:
    /// what an answer says shows which read of Redis it came from.
    /// </summary>
    private RedisOnlyTheater StartWithHotReads(Backend backend, TimeSpan lifetime, int daysAgo, int theaterId) => new(
        world.StartHost(backend, new ApiSettings(world.Postgres, world.Redis,
            Extra: new Dictionary<string, string> { ["Api:HotReadLifetime"] = lifetime.ToString() })),
        world.Harness.Redis.GetDatabase(), world.Sales.Today.AddDays(-daysAgo), theaterId);

    private sealed class RedisOnlyTheater(ApiHost host, IDatabase db, DateOnly date, int theaterId) : IAsyncDisposable
    {
        public async Task SellAsync(decimal revenue, long tickets)
        {
            await db.SortedSetAddAsync(LiveKeys.Theaters(date, LiveKeys.Measure.Revenue), theaterId, (double)revenue);
            await db.SortedSetAddAsync(LiveKeys.Theaters(date, LiveKeys.Measure.Tickets), theaterId, tickets);
        }

        public async Task<TopTheater> FetchAsync() => (await host.Client.FetchAsync($"/top-theater/{Day(date)}")).As<TopTheater>();

        public ValueTask DisposeAsync() => host.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task OccupancyComesFromRedisOnceTheScheduleIsKnown(Backend backend)
    {
        var date = world.Sales.Today.AddDays(3);
        var url = $"/theaters/{(backend == Backend.Dapper ? 8 : 9)}/showtimes?date={Day(date)}";
        var cold = (await world.Client(backend).FetchAsync(url)).As<Showtime[]>();   // reads and keeps the schedule
        Assert.All(cold, s => Assert.Equal(0, s.TicketsSold));
        var showtime = cold[0];
        await world.Harness.Redis.GetDatabase().SortedSetAddAsync(LiveKeys.Showtimes(date), showtime.ShowtimeId.ToString(CultureInfo.InvariantCulture), 5);

        var warm = (await world.Client(backend).FetchAsync(url)).As<Showtime[]>();
        var uncached = (await world.Client(backend, useCache: false).FetchAsync(url)).As<Showtime[]>();

        Assert.Equal(showtime with { TicketsSold = 5, Occupancy = Math.Round(5.0 / showtime.Capacity, 4) }, warm[0]);
        Assert.Equal(cold.Skip(1), warm.Skip(1));
        Assert.Equal(cold, uncached);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task WithoutTheBuiltMarkerAnswersComeFromPostgreSql(Backend backend)
    {
        await using var empty = await redis.LeaseDatabaseAsync();   // a Redis the consumer has not built
        await using var host = world.StartHost(backend, new ApiSettings(world.Postgres, empty.ConnectionString));

        await AssertSameAnswersAsync(host.Client, world.Client(backend, useCache: false));
        Assert.Equal("Degraded", (await host.Client.FetchAsync("/health")).Body);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ARedisOutageDegradesToPostgreSqlNotToErrors(Backend backend)
    {
        // Port 1 on the loopback: nothing listens there.
        await using var host = world.StartHost(backend, new ApiSettings(world.Postgres, "127.0.0.1:1,connectRetry=0"));

        await AssertSameAnswersAsync(host.Client, world.Client(backend, useCache: false));
        var health = await host.Client.FetchAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.Status);   // degraded, still serving
        Assert.Equal("Degraded", health.Body);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task WithPostgreSqlAndACompleteCacheTheApiIsHealthy(Backend backend)
    {
        var health = await world.Client(backend).FetchAsync("/health");
        var alive = await world.Client(backend).FetchAsync("/alive");

        Assert.Equal((HttpStatusCode.OK, "Healthy"), (health.Status, health.Body));
        Assert.Equal(HttpStatusCode.OK, alive.Status);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task WithoutPostgreSqlTheApiIsUnhealthyAndAnswersServiceUnavailable(Backend backend)
    {
        var nowhere = new Npgsql.NpgsqlConnectionStringBuilder(world.Postgres) { Host = "127.0.0.1", Port = 1, Timeout = 2 }.ConnectionString;
        await using var host = world.StartHost(backend, new ApiSettings(nowhere, world.Redis,
            Extra: new Dictionary<string, string> { ["Aspire:Npgsql:EntityFrameworkCore:PostgreSQL:DisableRetry"] = "true" }));

        var health = await host.Client.FetchAsync("/health");
        var theaters = await host.Client.FetchAsync("/theaters");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, theaters.Status);
        Assert.Equal("application/problem+json", theaters.MediaType);
        Assert.Equal("Sales data unavailable", theaters.Node["title"]!.GetValue<string>());
    }

    private async Task AssertSameAnswersAsync(HttpClient client, HttpClient reference)
    {
        var today = world.Sales.Today;
        string[] urls =
        [
            "/leaderboards/theaters", "/leaderboards/movies?limit=50", $"/top-theater/{Day(today)}", "/summary",
            $"/summary?from={Day(today.AddDays(-7))}&to={Day(today.AddDays(2))}", "/theaters/1/movies", "/theaters/2/showtimes", "/pace",
        ];
        foreach (var url in urls)
        {
            var answer = await client.FetchAsync(url);
            Assert.True(answer.Status == HttpStatusCode.OK, $"{url}: {answer}");
            Assert.Equal((await reference.FetchAsync(url)).Comparable(), answer.Comparable());
        }
    }
}
