using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Database;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Api;
using ReelMetrics.Tests.Fixtures;
using ReelMetrics.Tests.Ingestion;
using Showtime = ReelMetrics.Contracts.Catalog.Showtime;

namespace ReelMetrics.Tests.BusinessDay;

/// <summary>A clock a test sets: the APIs' "now".</summary>
public sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>
/// A world at fixed dates around the cutoff and the changes of clocks in New York (the seed chain's home zone):
/// the seed's showtimes of those weeks, a few sales with known sold_at, both APIs with a clock the tests set.
/// </summary>
public sealed class BusinessDayWorld(PostgresFixture postgres, RedisFixture redis) : IAsyncLifetime
{
    private readonly Dictionary<(Backend, bool), ApiHost> hosts = [];

    internal IngestionHarness Harness { get; private set; } = null!;

    public SettableClock Clock { get; } = new(DateTimeOffset.UnixEpoch);

    /// <summary>Saturday 2026-03-07: the business date of the spring-forward (23 hours).</summary>
    public static readonly DateOnly SpringForward = new(2026, 3, 7);

    /// <summary>Friday 2026-06-12 and Thursday 2026-06-11: either side of a cutoff.</summary>
    public static readonly DateOnly June12 = new(2026, 6, 12);

    public static Showtime ShowtimeOn(DateOnly date, int theaterId, int slot = 2) =>
        SeedCatalog.ShowtimesOn(date).Where(s => s.TheaterId == theaterId).OrderBy(s => s.StartsAt).ElementAt(slot);

    public static TicketSold Sale(Showtime showtime, int tickets, DateTimeOffset soldAt) => SaleEvents.For(showtime, tickets) with { SoldAt = soldAt };

    /// <summary>What was sold, by business date: each test asks for its own dates.</summary>
    public static readonly IReadOnlyList<TicketSold> Sales =
    [
        // Thursday 2026-06-11 and Friday 2026-06-12 (New York, EDT −04:00).
        Sale(ShowtimeOn(June12.AddDays(-1), 4), 2, new(2026, 6, 11, 18, 0, 0, TimeSpan.Zero)),
        Sale(ShowtimeOn(June12, 4), 3, new(2026, 6, 12, 9, 0, 0, TimeSpan.Zero)),
        // The 23-hour day 2026-03-07 (began 06:00 EST = 11:00 UTC): one sold the day before, one at 15:00 EST.
        Sale(ShowtimeOn(SpringForward, 5), 4, new(2026, 3, 6, 20, 0, 0, TimeSpan.Zero)),
        Sale(ShowtimeOn(SpringForward, 1), 2, new(2026, 3, 7, 20, 0, 0, TimeSpan.Zero)),
        // A week earlier, 2026-02-28 (began 11:00 UTC): 11 hours in, and 17 hours in.
        Sale(ShowtimeOn(SpringForward.AddDays(-7), 7), 1, new(2026, 2, 28, 22, 0, 0, TimeSpan.Zero)),
        Sale(ShowtimeOn(SpringForward.AddDays(-7), 7, slot: 4), 5, new(2026, 3, 1, 4, 0, 0, TimeSpan.Zero)),
    ];

    public async ValueTask InitializeAsync()
    {
        Harness = await IngestionHarness.CreateAsync(postgres, redis, "bday");
        var migrator = new DatabaseMigrator(Harness.Database.DataSource, NullLogger<DatabaseMigrator>.Instance);
        await migrator.MigrateAsync(SpringForward, TestContext.Current.CancellationToken);
        await migrator.MigrateAsync(June12, TestContext.Current.CancellationToken);
        await migrator.MigrateAsync(new DateOnly(2026, 10, 31), TestContext.Current.CancellationToken);
        var outcome = await Harness.ProcessAsync(Sales);
        Assert.Equal(Sales.Count, outcome.Stored);
    }

    public HttpClient Client(Backend backend, bool useCache)
    {
        lock (hosts)
        {
            if (!hosts.TryGetValue((backend, useCache), out var host))
            {
                hosts[(backend, useCache)] = host = ApiHost.Start(backend,
                    new ApiSettings(Harness.Database.ConnectionString, Harness.Redis.Configuration, useCache), Clock);
            }
            return host.Client;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts.Values) await host.DisposeAsync();
        if (Harness is not null) await Harness.DisposeAsync();
    }
}

/// <summary>
/// "Today" and the pace follow the chain's business day (New York, 06:00) in both backends, from Redis and from
/// PostgreSQL. The tests share one clock, so they run one after the other (one class, no parallel theories).
/// </summary>
public sealed class BusinessDayApiTests(BusinessDayWorld world) : IClassFixture<BusinessDayWorld>
{
    public static TheoryData<Backend, bool> Backends => new()
    {
        { Backend.Dapper, true }, { Backend.Dapper, false }, { Backend.Ef, true }, { Backend.Ef, false },
    };

    private static string Day(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static decimal Revenue(params TicketSold[] sales) => sales.Sum(s => s.TicketsSold * s.TicketPrice);

    private async Task<T> GetAsync<T>(Backend backend, bool useCache, string url)
    {
        var response = await world.Client(backend, useCache).FetchAsync(url);
        Assert.True(response.Status == HttpStatusCode.OK, $"GET {url}: {response}");
        return response.As<T>();
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task TodayIsTheChainsBusinessDateAndTurnsOverAtSixInNewYork(Backend backend, bool useCache)
    {
        var (thursday, friday) = (BusinessDayWorld.Sales[0], BusinessDayWorld.Sales[1]);

        world.Clock.Now = new DateTimeOffset(2026, 6, 12, 9, 59, 59, TimeSpan.Zero);   // 05:59:59 EDT
        var before = await GetAsync<BusinessDayNow>(backend, useCache, "/business-day");
        var summaryBefore = await GetAsync<SalesSummary>(backend, useCache, "/summary");

        world.Clock.Now = new DateTimeOffset(2026, 6, 12, 10, 0, 0, TimeSpan.Zero);    // 06:00 EDT
        var after = await GetAsync<BusinessDayNow>(backend, useCache, "/business-day");
        var summaryAfter = await GetAsync<SalesSummary>(backend, useCache, "/summary");

        Assert.Equal((new DateOnly(2026, 6, 11), "America/New_York", "06:00"), (before.Today, before.TimeZone, before.Cutoff));
        Assert.Equal(new DateOnly(2026, 6, 12), after.Today);
        Assert.Equal((new DateOnly(2026, 6, 11), Revenue(thursday)), (summaryBefore.From, summaryBefore.Revenue));
        Assert.Equal((new DateOnly(2026, 6, 12), Revenue(friday)), (summaryAfter.From, summaryAfter.Revenue));
        Assert.Equal(new DateTimeOffset(2026, 6, 12, 10, 0, 0, TimeSpan.Zero), after.DayStart);
        Assert.Equal(new DateTimeOffset(2026, 6, 13, 10, 0, 0, TimeSpan.Zero), after.DayEnd);
        // Friday begins a business week; at 05:59 on Friday it is still the week that began the Friday before.
        Assert.Equal((new DateOnly(2026, 6, 12), new DateOnly(2026, 6, 18)), (after.ThisWeek.From, after.ThisWeek.To));
        Assert.Equal(new DateOnly(2026, 6, 5), before.ThisWeek.From);
        Assert.Equal(7, after.ThisWeek.Dates.Count);
        Assert.Equal(new DateTimeOffset(2026, 6, 5, 10, 0, 0, TimeSpan.Zero), after.SameTimeLastWeek);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task ThePaceOfThe23HourDayCountsTheSalesOfItsBusinessDateInNewYorkTime(Backend backend, bool useCache)
    {
        var sales = BusinessDayWorld.Sales;
        world.Clock.Now = new DateTimeOffset(2026, 3, 8, 3, 30, 0, TimeSpan.Zero);   // 22:30 EST, 16.5 hours into 2026-03-07

        var pace = await GetAsync<SalesPace>(backend, useCache, "/pace");
        var summary = await GetAsync<SalesSummary>(backend, useCache, "/summary");

        Assert.Equal((BusinessDayWorld.SpringForward, BusinessDayWorld.SpringForward.AddDays(-7), "America/New_York"),
            (pace.Date, pace.LastWeekDate, pace.TimeZone));
        Assert.Equal(Revenue(sales[2], sales[3]), pace.Today.Revenue);
        Assert.Equal(summary.Revenue, pace.Today.Revenue);                 // the KPI's "revenue today"
        Assert.Equal(Revenue(sales[4]), pace.LastWeek.Revenue);            // 11 hours in; the one 17 hours in is later
        Assert.Equal(92, pace.Series.Count);                                // 23 hours of 15 minutes
        Assert.Equal("06:00", pace.Series[0].Time);
        Assert.Equal(Revenue(sales[2]), pace.Series[0].Today);              // sold the day before: first bucket
        Assert.Contains(pace.Series, p => p.Time == "01:45");
        Assert.DoesNotContain(pace.Series, p => p.Time.StartsWith("02:", StringComparison.Ordinal));   // the hour that did not happen
        Assert.Equal("05:45", pace.Series[^1].Time);
        Assert.Equal(Revenue(sales[4], sales[5]), pace.Series[^1].LastWeek);
        var current = pace.Series.Last(p => p.Today is not null);
        Assert.Equal("22:30", current.Time);
        Assert.Equal(pace.Today.Revenue, current.Today);
    }

    [Theory]
    [MemberData(nameof(Backends))]
    public async Task TheBusinessDayOfTheFallBackHas100BucketsAndOneOClockTwice(Backend backend, bool useCache)
    {
        world.Clock.Now = new DateTimeOffset(2026, 11, 1, 5, 0, 0, TimeSpan.Zero);   // 01:00 EDT, business date 2026-10-31

        var pace = await GetAsync<SalesPace>(backend, useCache, "/pace");
        var day = await GetAsync<BusinessDayNow>(backend, useCache, "/business-day");

        Assert.Equal(new DateOnly(2026, 10, 31), pace.Date);
        Assert.Equal(TimeSpan.FromHours(25), day.DayEnd - day.DayStart);
        Assert.Equal(100, pace.Series.Count);
        Assert.Equal(2, pace.Series.Count(p => p.Time == "01:00"));
        Assert.Equal("05:45", pace.Series[^1].Time);
    }
}
