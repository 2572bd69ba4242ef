using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>
/// The rollup added through the declaration alone (theater_hourly_sales): each theater's sales per business date and
/// hour of its local day, equal to a sum worked out here from the events, to a from-scratch recount over the sales
/// table, and mirrored in Redis, also after a redelivery and a rebuild.
/// </summary>
public sealed class TheaterHourlySalesTests(PostgresFixture postgres, RedisFixture redis)
{
    [Fact]
    public async Task EachTheatersSalesAreCountedInTheHourOfItsOwnLocalDayTheyWereSoldIn()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "theater_hours");
        var zones = SeedCatalog.Theaters.ToDictionary(t => t.TheaterId, t => TimeZoneInfo.FindSystemTimeZoneById(t.TimeZone));
        Assert.True(zones.Values.Select(z => z.Id).Distinct().Count() > 1, "the seed catalog spans several time zones");
        var now = DateTimeOffset.UtcNow;
        // Over the last 30 hours, so that the hours wrap around every theater's local midnight.
        var events = SaleEvents.Random(3_000, seed: 11).Select((e, i) => e with { SoldAt = now.AddSeconds(-37 * i) }).ToList();

        foreach (var chunk in events.Chunk(700)) await harness.ProcessAsync(chunk);
        await harness.ProcessAsync(events.Take(500));   // a redelivery counts once

        var expected = events
            .GroupBy(e => (e.SaleDate, e.TheaterId, Hour: TimeZoneInfo.ConvertTime(e.SoldAt, zones[e.TheaterId]).Hour))
            .Select(g => (g.Key.SaleDate, g.Key.TheaterId, g.Key.Hour, Tickets: (long)g.Sum(e => e.TicketsSold), Revenue: g.Sum(e => e.TicketsSold * e.TicketPrice), Sales: (long)g.Count()))
            .OrderBy(r => r.SaleDate).ThenBy(r => r.TheaterId).ThenBy(r => r.Hour)
            .ToList();
        var stored = new List<(DateOnly, int, int, long, decimal, long)>();
        await using (var command = harness.Database.DataSource.CreateCommand(
            "select sale_date, theater_id, hour, tickets_sold, revenue, sales_count from theater_hourly_sales order by 1, 2, 3"))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                stored.Add((reader.GetFieldValue<DateOnly>(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt64(3), reader.GetDecimal(4), reader.GetInt64(5)));
            }
        }
        Assert.Equal(expected, stored);
        Assert.True(expected.Select(r => r.Hour).Distinct().Count() >= 24, "the sales cover every hour of the day");

        Assert.Equal(0L, await harness.Database.ScalarAsync<long>("""
            select count(*) from (
                select sale_date, theater_id, extract(hour from s.sold_at at time zone t.time_zone)::int as hour,
                       sum(tickets_sold) as tickets, sum(revenue) as revenue, count(*) as sales
                from sales s join theaters t using (theater_id)
                group by 1, 2, 3
            ) recount full join theater_hourly_sales a using (sale_date, theater_id, hour)
            where recount.tickets is distinct from a.tickets_sold or recount.revenue is distinct from a.revenue
               or recount.sales is distinct from a.sales_count
            """));
        await harness.AssertCacheMatchesDatabaseAsync();

        await harness.Redis.GetDatabase().ExecuteAsync("FLUSHDB");
        await harness.Live.RebuildAsync(TestContext.Current.CancellationToken);
        await harness.AssertCacheMatchesDatabaseAsync();
    }
}
