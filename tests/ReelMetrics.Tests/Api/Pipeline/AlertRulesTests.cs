using System.Net;
using Microsoft.Extensions.DependencyInjection;
using ReelMetrics.Api.Alerts;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Fixtures;
using ReelMetrics.Tests.Ingestion;
using static ReelMetrics.Tests.Api.Pipeline.PipelineRows;

namespace ReelMetrics.Tests.Api.Pipeline;

/// <summary>A clock a test sets.</summary>
public sealed class SettableClock(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now.ToUniversalTime();
}

/// <summary>A database with the catalog and no sales, for alert rules that count what a test puts in.</summary>
public sealed class AlertWorld(PostgresFixture postgres, RedisFixture redis) : IAsyncLifetime
{
    internal IngestionHarness Harness { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Harness = await IngestionHarness.CreateAsync(postgres, redis, "alerts");

    public async ValueTask DisposeAsync()
    {
        if (Harness is not null) await Harness.DisposeAsync();
    }
}

/// <summary>
/// Each alert rule against both backends, on real PostgreSQL, with a clock and data the test controls: what raises an
/// alert, what does not, that it is raised once and resolved when its condition ends, and that two APIs evaluating at
/// once raise it once.
/// </summary>
public abstract class AlertRulesTests(AlertWorld world) : IClassFixture<AlertWorld>, IAsyncLifetime
{
    protected abstract Backend Backend { get; }

    private readonly PipelineRows rows = new(world.Harness.Database.DataSource);
    private readonly SettableClock clock = new(DateTimeOffset.UtcNow);
    private ApiHost host = null!;

    public async ValueTask InitializeAsync()
    {
        await rows.ClearAlertsAsync();
        await rows.ClearHeartbeatsAsync();
        await rows.ClearDeadLettersAsync();
        host = Start(Backend);
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    private ApiHost Start(Backend backend) =>
        ApiHost.Start(backend, new ApiSettings(world.Harness.Database.ConnectionString, world.Harness.Redis.Configuration), clock);

    private static Task<bool> EvaluateAsync(ApiHost api) => api.Services.GetRequiredService<AlertEvaluator>().EvaluateAsync(CancellationToken.None);

    private async Task<IReadOnlyList<Alert>> AlertsAsync(string query = "state=all")
    {
        var response = await host.Client.FetchAsync("/alerts?" + query);
        Assert.True(response.Status == HttpStatusCode.OK, response.ToString());
        return response.As<List<Alert>>();
    }

    private async Task<IReadOnlyList<Alert>> OpenAsync(string rule) => (await AlertsAsync("state=open")).Where(a => a.Rule == rule).ToList();

    /// <summary>A heartbeat of an alive, idle consumer, so that the pipeline rule stays quiet while another is tested.</summary>
    private Task ConsumerAliveAsync() => rows.WriteAsync(new Heartbeat(clock.Now));

    [Fact]
    public async Task AShowtimeOfTodayPassingNinetyPercentOfItsSeatsIsOnSellOutWatchOnce()
    {
        // 18:00 UTC is daytime in every theater's zone (10:00 in Los Angeles, 13:00 in New York), past the 06:00 cutoff,
        // so the chain's business date is the UTC date (before 06:00 in New York, "today" is still yesterday's business
        // date: this test once failed in the evening, US time).
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        clock.Now = new DateTimeOffset(today.ToDateTime(new TimeOnly(18, 0)), TimeSpan.Zero);
        await ConsumerAliveAsync();
        var showtime = SeedCatalog.ShowtimesOn(today).First(s => s.TheaterId == 7 && s.Capacity >= 50);
        var nearly = (int)Math.Ceiling(showtime.Capacity * 0.9) - 1;
        await world.Harness.ProcessAsync(Enumerable.Range(0, (nearly + 99) / 100).Select(i => SaleEvents.For(showtime, Math.Min(100, nearly - i * 100))));

        await EvaluateAsync(host);
        Assert.DoesNotContain(await OpenAsync(AlertRules.SellOutWatch), a => a.Subject == $"showtime:{showtime.ShowtimeId}");

        await world.Harness.ProcessAsync([SaleEvents.For(showtime, 1)]);
        await EvaluateAsync(host);
        await EvaluateAsync(host);

        var alert = Assert.Single(await OpenAsync(AlertRules.SellOutWatch), a => a.Subject == $"showtime:{showtime.ShowtimeId}");
        Assert.Equal(AlertSeverities.Info, alert.Severity);
        Assert.Equal(nearly + 1, alert.Details.GetProperty("tickets_sold").GetInt32());
        Assert.Equal(showtime.Capacity, alert.Details.GetProperty("capacity").GetInt32());
        Assert.Contains($"({nearly + 1} of {showtime.Capacity} seats)", alert.Message);

        // Tomorrow it is no longer today's showtime: the watch ends.
        clock.Now = clock.Now.AddDays(1);
        await ConsumerAliveAsync();
        await EvaluateAsync(host);
        Assert.DoesNotContain(await OpenAsync(AlertRules.SellOutWatch), a => a.Subject == $"showtime:{showtime.ShowtimeId}");
        Assert.NotNull(Assert.Single(await AlertsAsync(), a => a.Subject == $"showtime:{showtime.ShowtimeId}").ResolvedAt);
    }

    [Fact]
    public async Task ATheaterSilentForSixTimesItsUsualGapDuringOpeningHoursIsQuiet()
    {
        // AMC Lincoln Square, New York (UTC-5 in January). 130 sales a day over 13 opening hours: usually a sale every
        // 6 minutes, so silence is unusual after 36 (six gaps; more than the 30-minute floor).
        const int theater = 4;
        var january = new DateOnly(2026, 1, 1);
        await rows.DailySalesAsync(theater, Enumerable.Range(0, 31).Select(january.AddDays), 130);
        DateTimeOffset Local(int day, int hour, int minute) => new(2026, 1, day, hour, minute, 0, TimeSpan.FromHours(-5));

        clock.Now = Local(14, 15, 0);
        await ConsumerAliveAsync();
        await rows.SaleAsync(theater, Local(14, 14, 30));
        await EvaluateAsync(host);
        Assert.Empty(await OpenAsync(AlertRules.QuietTheater));

        clock.Now = Local(14, 15, 7);
        await ConsumerAliveAsync();
        await EvaluateAsync(host);
        var alert = Assert.Single(await OpenAsync(AlertRules.QuietTheater));
        Assert.Equal($"theater:{theater}", alert.Subject);
        Assert.Equal(AlertSeverities.Warning, alert.Severity);
        Assert.Equal(6, alert.Details.GetProperty("usual_gap_minutes").GetDouble());
        Assert.Equal(36, alert.Details.GetProperty("threshold_minutes").GetDouble());
        Assert.Contains("since 14:30 local time", alert.Message);

        await rows.SaleAsync(theater, Local(14, 15, 6));
        await EvaluateAsync(host);
        Assert.Empty(await OpenAsync(AlertRules.QuietTheater));
    }

    [Fact]
    public async Task SilenceCountsOnlyFromOpeningTime()
    {
        const int theater = 5;   // Regal Union Square, New York
        var january = new DateOnly(2026, 1, 1);
        await rows.DailySalesAsync(theater, Enumerable.Range(0, 31).Select(january.AddDays), 130);
        DateTimeOffset Local(int day, int hour, int minute) => new(2026, 1, day, hour, minute, 0, TimeSpan.FromHours(-5));
        await rows.SaleAsync(theater, Local(20, 22, 50));   // the last sale of the evening before

        foreach (var (hour, minute, quiet) in new[] { (8, 0, false), (10, 20, false), (10, 40, true), (23, 30, false) })
        {
            clock.Now = Local(21, hour, minute);
            await ConsumerAliveAsync();
            await EvaluateAsync(host);
            Assert.True(quiet == (await OpenAsync(AlertRules.QuietTheater)).Any(a => a.Subject == $"theater:{theater}"), $"{hour}:{minute:00}");
        }
    }

    [Fact]
    public async Task ATheaterWithoutAUsualRhythmIsNotWatched()
    {
        const int theater = 6;   // Alamo Drafthouse Brooklyn: 5 sales a day is 35 a week, fewer than the 50 needed
        var january = new DateOnly(2026, 1, 1);
        await rows.DailySalesAsync(theater, Enumerable.Range(0, 31).Select(january.AddDays), 5);
        clock.Now = new DateTimeOffset(2026, 1, 14, 20, 0, 0, TimeSpan.FromHours(-5));
        await ConsumerAliveAsync();

        await EvaluateAsync(host);

        Assert.DoesNotContain(await OpenAsync(AlertRules.QuietTheater), a => a.Subject == $"theater:{theater}");
    }

    [Fact]
    public async Task AStalledPipelineRaisesACriticalAlertAfterAMinuteThatResolvesWhenAConsumerReportsAgain()
    {
        var stalledAt = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
        await rows.WriteAsync(new Heartbeat(stalledAt.AddSeconds(-20)));
        foreach (var seconds in new[] { 0, 15, 30, 45 })
        {
            clock.Now = stalledAt.AddSeconds(seconds);
            await EvaluateAsync(host);
            Assert.Empty(await OpenAsync(AlertRules.PipelineStalled));   // stalled, but not yet for a minute
        }

        clock.Now = stalledAt.AddSeconds(60);
        await EvaluateAsync(host);
        var alert = Assert.Single(await OpenAsync(AlertRules.PipelineStalled));
        Assert.Equal(("pipeline", AlertSeverities.Critical), (alert.Subject, alert.Severity));
        // A clock time, not "for 80 s": the message is read long after it was written.
        Assert.Contains("No consumer has reported since 11:59:40 UTC (more than 15 s)", alert.Message);
        Assert.Equal(clock.Now, alert.RaisedAt);

        clock.Now = clock.Now.AddSeconds(30);
        await ConsumerAliveAsync();
        await EvaluateAsync(host);

        Assert.Empty(await OpenAsync(AlertRules.PipelineStalled));
        var history = Assert.Single(await AlertsAsync(), a => a.Rule == AlertRules.PipelineStalled);
        Assert.Equal(clock.Now, history.ResolvedAt);
    }

    [Fact]
    public async Task AStallShorterThanAMinuteRaisesNothingAndTheNextStallWaitsItsOwnMinute()
    {
        var start = new DateTimeOffset(2026, 3, 2, 12, 0, 0, TimeSpan.Zero);
        clock.Now = start;   // a system starting: no consumer has ever reported
        await EvaluateAsync(host);
        clock.Now = start.AddSeconds(45);
        await EvaluateAsync(host);

        clock.Now = start.AddSeconds(50);   // the consumer's first heartbeat: live
        await ConsumerAliveAsync();
        await EvaluateAsync(host);

        clock.Now = start.AddSeconds(120);   // it stopped beating at 50 s: stalled again, since 65 s
        await EvaluateAsync(host);
        clock.Now = start.AddSeconds(175);
        await EvaluateAsync(host);
        Assert.Empty(await AlertsAsync());

        clock.Now = start.AddSeconds(180);   // found stalled on every round for a minute
        await EvaluateAsync(host);
        Assert.Contains("The pipeline is stalled", Assert.Single(await OpenAsync(AlertRules.PipelineStalled)).Message);
    }

    [Fact]
    public async Task TheStatusWordsItsTimesRelativeToNowAndTheStalledAlertInClockTimes()
    {
        var stoppedAt = new DateTimeOffset(2026, 3, 3, 21, 4, 5, TimeSpan.Zero);
        await rows.WriteAsync(new Heartbeat(stoppedAt) { StoppedAt = stoppedAt });
        clock.Now = stoppedAt.AddSeconds(12);
        await EvaluateAsync(host);
        var status = (await host.Client.FetchAsync("/status")).As<PipelineStatus>();
        Assert.Contains("The last consumer stopped 12 s ago and none is running", status.Reason);

        clock.Now = stoppedAt.AddMinutes(5);
        await EvaluateAsync(host);
        Assert.Contains("The last consumer stopped at 21:04:05 UTC and none is running", Assert.Single(await OpenAsync(AlertRules.PipelineStalled)).Message);
    }

    [Fact]
    public async Task DeadLettersRisingIsTenInTenMinutesAboveThreeTimesTheUsualRateOrFiftyAtOnce()
    {
        async Task<bool> RisingAt(DateTimeOffset now, int previousHour, int lastTenMinutes)
        {
            clock.Now = now;
            await ConsumerAliveAsync();
            await rows.DeadLettersAsync("unknown_theater", Enumerable.Range(0, previousHour).Select(i => now.AddMinutes(-11 - i * 59.0 / Math.Max(1, previousHour))).ToArray());
            await rows.DeadLettersAsync("unknown_theater", Enumerable.Range(0, lastTenMinutes).Select(i => now.AddSeconds(-1 - i)).ToArray());
            await EvaluateAsync(host);
            return (await OpenAsync(AlertRules.DeadLettersRising)).Count == 1;
        }

        var day = new DateTimeOffset(2026, 4, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.False(await RisingAt(day, previousHour: 0, lastTenMinutes: 9));
        Assert.True(await RisingAt(day.AddDays(1), previousHour: 0, lastTenMinutes: 10));
        Assert.False(await RisingAt(day.AddDays(2), previousHour: 60, lastTenMinutes: 30));   // 10 per 10 min is usual here: 30 is not above 3×
        Assert.True(await RisingAt(day.AddDays(3), previousHour: 60, lastTenMinutes: 31));
        Assert.True(await RisingAt(day.AddDays(4), previousHour: 600, lastTenMinutes: 50));   // a burst, however usual
        Assert.Equal(2, (await AlertsAsync()).Count(a => a.Rule == AlertRules.DeadLettersRising));   // day 4 found the one of day 3 still open
    }

    [Fact]
    public async Task TwoApisEvaluatingAtOnceRaiseEachAlertOnce()
    {
        clock.Now = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);   // no heartbeat at all: stalled
        // Two APIs started at the test's time (the class's host first found the stall at the real time, long after it).
        await using var one = Start(Backend);
        await using var other = Start(Backend == Backend.Dapper ? Backend.Ef : Backend.Dapper);
        // Each finds the stall now; a round that finds the lock held (by the other, or by a background round) does not count.
        await EvaluatedAsync(one);
        await EvaluatedAsync(other);
        clock.Now = clock.Now.AddMinutes(1);   // stalled for the minute the rule waits: either may raise it now

        await Task.WhenAll(Enumerable.Range(0, 10).SelectMany(_ => new[] { EvaluateAsync(one), EvaluateAsync(other) }));
        // Then a round in each for certain: whichever raised it, the other must find it open and not raise it again.
        await EvaluatedAsync(one);
        await EvaluatedAsync(other);

        Assert.Single(await AlertsAsync(), a => a.Rule == AlertRules.PipelineStalled);
    }

    /// <summary>Evaluates until a round runs in <paramref name="api"/> (not skipped because another held the lock).</summary>
    private static async Task EvaluatedAsync(ApiHost api)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (await EvaluateAsync(api)) return;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException("the alert lock stayed held for 5 s");
    }

    [Fact]
    public async Task BadQueriesAreProblemDetails()
    {
        foreach (var query in new[] { "state=closed", "limit=0", "limit=501", "limit=ten", "from=yesterday", "from=2025-13-01", "from=2025-03-14T18:00:00" })
        {
            var response = await host.Client.FetchAsync("/alerts?" + query);
            Assert.Equal(HttpStatusCode.BadRequest, response.Status);
            Assert.Equal("application/problem+json", response.MediaType);
        }
    }
}

public sealed class DapperAlertRulesTests(AlertWorld world) : AlertRulesTests(world)
{
    protected override Backend Backend => Backend.Dapper;
}

public sealed class EfAlertRulesTests(AlertWorld world) : AlertRulesTests(world)
{
    protected override Backend Backend => Backend.Ef;
}
