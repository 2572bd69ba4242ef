using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>A midnight screening (00:30 on Saturday) belongs to Friday's business date, all the way into the aggregates.</summary>
public sealed class MidnightScreeningTests(PostgresFixture postgres, RedisFixture redis)
{
    [Fact]
    public async Task ASaleForA0030ScreeningLandsOnTheEveningBefore()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "midnight");
        var friday = Enumerable.Range(-6, 7).Select(SalesDatabase.Today.AddDays).First(d => d.DayOfWeek == DayOfWeek.Friday);
        var screening = SeedCatalog.ShowtimesOn(friday).First(s => s.TheaterId == 1 && s.StartsAt.TimeOfDay == new TimeSpan(0, 30, 0));
        var zone = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
        // Bought at the box office at 00:10 on Saturday, Los Angeles time.
        var soldAt = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(screening.StartsAt.AddMinutes(-20), zone), TimeSpan.Zero);
        var sale = SaleEvents.For(screening, 2, Contracts.SalesChannel.BoxOffice) with { SoldAt = soldAt };

        var outcome = await harness.ProcessAsync([sale]);

        Assert.Equal(1, outcome.Stored);
        Assert.Equal(friday.AddDays(1), DateOnly.FromDateTime(screening.StartsAt));
        Assert.Equal(friday, await harness.Database.ScalarAsync<DateOnly>("select business_date from showtimes where showtime_id = $1", screening.ShowtimeId));
        Assert.Equal(friday, await harness.Database.ScalarAsync<DateOnly>("select sale_date from theater_daily_sales where theater_id = 1"));
        Assert.Equal(friday, await harness.Database.ScalarAsync<DateOnly>("select sale_date from chain_date_minute_sales"));
        Assert.Equal(0L, await harness.Database.ScalarAsync<long>("select count(*) from channel_daily_sales where sale_date = $1", friday.AddDays(1)));
        await harness.AssertCacheMatchesDatabaseAsync();
    }
}
