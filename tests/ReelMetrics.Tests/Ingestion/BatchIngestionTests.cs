using System.Text;
using System.Text.Json;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Live;
using ReelMetrics.Contracts.Rollups;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>The consumer's batch pipeline against real PostgreSQL and Garnet.</summary>
public sealed class BatchIngestionTests(PostgresFixture postgres, RedisFixture redis)
{
    [Fact]
    public async Task TotalsAreExactAfterThousandsOfRandomEvents()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "exact_totals");
        var events = SaleEvents.Random(6_000, seed: 7);

        var stored = 0;
        foreach (var chunk in events.Chunk(1_000))
        {
            stored += (await harness.ProcessAsync(chunk)).Stored;
        }

        Assert.Equal(events.Count, stored);
        var db = harness.Database;
        Assert.Equal(events.Count, await db.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold), await db.ScalarAsync<long>("select sum(tickets_sold) from theater_daily_sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold * e.TicketPrice), await db.ScalarAsync<decimal>("select sum(revenue) from theater_daily_sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold * e.TicketPrice), await db.ScalarAsync<decimal>("select sum(revenue) from movie_daily_sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold * e.TicketPrice), await db.ScalarAsync<decimal>("select sum(revenue) from channel_daily_sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold * e.TicketPrice), await db.ScalarAsync<decimal>("select sum(revenue) from chain_minute_sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold), await db.ScalarAsync<long>("select sum(tickets_sold) from showtime_sales"));

        var theater1 = events.Where(e => e.TheaterId == 1).ToList();
        Assert.Equal(theater1.Sum(e => e.TicketsSold * e.TicketPrice),
            await db.ScalarAsync<decimal>("select coalesce(sum(revenue), 0) from theater_daily_sales where theater_id = 1"));
        Assert.Equal(0L, await db.ScalarAsync<long>("""
            select count(*) from (
                select sale_date, theater_id, sum(revenue) r, sum(tickets_sold) t from sales group by 1, 2
            ) s full join theater_daily_sales a using (sale_date, theater_id)
            where s.r is distinct from a.revenue or s.t is distinct from a.tickets_sold
            """));
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    [Fact]
    public async Task AnEventDeliveredTwiceCountsOnce()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "duplicates");
        var events = SaleEvents.Random(500, seed: 11);

        await harness.ProcessAsync(events);
        var redelivered = await harness.ProcessAsync(events.Take(200));                    // a crash before the commit
        var sameBatch = await harness.ProcessAsync(events.Skip(400).Concat(events.Skip(400)));  // twice in one batch

        Assert.Equal(0, redelivered.Stored);
        Assert.Equal(200, redelivered.Duplicates);
        Assert.Equal(0, sameBatch.Stored);
        Assert.Equal(200, sameBatch.Duplicates);
        Assert.Equal(500L, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold), await harness.Database.ScalarAsync<long>("select sum(tickets_sold) from theater_daily_sales"));
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    public static TheoryData<string, string> BadInputs()
    {
        var showtime = SeedCatalog.ShowtimesOn(SalesDatabase.Today).First();
        var good = SaleEvents.For(showtime, 2);
        string Json(TicketSold sale) => JsonSerializer.Serialize(sale, ContractJson.Default.TicketSold);
        var otherShowtime = SeedCatalog.ShowtimesOn(SalesDatabase.Today).First(s => s.MovieId != showtime.MovieId);
        return new TheoryData<string, string>
        {
            { "{not json", DeadLetterReasons.InvalidJson },
            { "null", DeadLetterReasons.InvalidJson },
            { Json(good).Replace("\"tickets_sold\":2", "\"tickets_sold\":\"two\"", StringComparison.Ordinal), DeadLetterReasons.InvalidJson },
            { Json(good).Replace("\"tickets_sold\":2,", "", StringComparison.Ordinal), DeadLetterReasons.MissingField },
            { Json(good with { EventId = Guid.Empty }), DeadLetterReasons.MissingField },
            { Json(good with { TicketsSold = 0 }), DeadLetterReasons.InvalidTickets },
            { Json(good with { TicketsSold = -3 }), DeadLetterReasons.InvalidTickets },
            { Json(good with { TicketPrice = 0m }), DeadLetterReasons.InvalidPrice },
            { Json(good with { TicketPrice = 9_999.99m }), DeadLetterReasons.InvalidPrice },
            { Json(good with { TicketPrice = -12m }), DeadLetterReasons.InvalidPrice },
            { Json(good with { Currency = "dollars" }), DeadLetterReasons.InvalidField },
            { Json(good with { TheaterId = 9_999 }), DeadLetterReasons.UnknownTheater },
            { Json(good with { MovieId = 9_999 }), DeadLetterReasons.UnknownMovie },
            { Json(good with { ShowtimeId = 42 }), DeadLetterReasons.UnknownShowtime },
            { Json(good with { ShowtimeId = otherShowtime.ShowtimeId }), DeadLetterReasons.ShowtimeMismatch },
            { Json(good with { SaleDate = good.SaleDate.AddDays(1) }), DeadLetterReasons.ShowtimeMismatch },
            { """{"theater_name": "Nowhere Cinema", "movie_title": "Titanic", "sale_date": "2025-03-11", "ticket_price": 9.75, "tickets_sold": 3}""", DeadLetterReasons.UnknownTheater },
            { """{"theater_name": "Regal LA Live", "movie_title": "Not A Movie", "sale_date": "2025-03-11", "ticket_price": 9.75, "tickets_sold": 3}""", DeadLetterReasons.UnknownMovie },
            { """{"theater_name": "Regal LA Live", "movie_title": "Titanic", "ticket_price": 9.75, "tickets_sold": 3}""", DeadLetterReasons.MissingField },
        };
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task EveryKindOfBadInputLandsInDeadLettersWithItsReason(string payload, string reason)
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "bad_input");
        var good = SaleEvents.Random(3, seed: 5);
        var bad = harness.Message(Encoding.UTF8.GetBytes(payload), key: "1");

        var outcome = await harness.ProcessAsync([harness.Message(good[0]), bad, harness.Message(good[1]), harness.Message(good[2])]);

        Assert.Equal(3, outcome.Stored);   // the pipeline goes on around it
        var letter = Assert.Single(outcome.DeadLetters);
        Assert.Equal(reason, letter.Reason);
        Assert.Equal(reason, await harness.Database.ScalarAsync<string>("select reason from dead_letters"));
        Assert.Equal(payload, Encoding.UTF8.GetString(await harness.Database.ScalarAsync<byte[]>("select payload from dead_letters")));
        Assert.Equal(bad.Source.Offset, await harness.Database.ScalarAsync<long>("select kafka_offset from dead_letters"));
        Assert.False(string.IsNullOrWhiteSpace(await harness.Database.ScalarAsync<string>("select detail from dead_letters")));
    }

    [Fact]
    public async Task ASaleThatWouldOverbookItsShowtimeIsDeadLetteredAndTheRestCount()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "overbooking");
        var showtime = SeedCatalog.ShowtimesOn(SalesDatabase.Today).First();
        var fill = Enumerable.Range(0, showtime.Capacity / 10).Select(_ => SaleEvents.For(showtime, 10)).ToList();   // up to capacity (rounded down)
        var remaining = showtime.Capacity - fill.Sum(s => s.TicketsSold);

        await harness.ProcessAsync(fill.Take(fill.Count / 2));
        var outcome = await harness.ProcessAsync(fill.Skip(fill.Count / 2).Append(SaleEvents.For(showtime, remaining + 1)));

        var letter = Assert.Single(outcome.DeadLetters);
        Assert.Equal(DeadLetterReasons.Overbooked, letter.Reason);
        Assert.Equal(showtime.Capacity - remaining,
            await harness.Database.ScalarAsync<int>("select tickets_sold from showtime_sales where showtime_id = $1", showtime.ShowtimeId));
        Assert.Equal(1L, await harness.Database.ScalarAsync<long>("select count(*) from dead_letters where reason = 'overbooked'"));

        if (remaining > 0)
        {
            var last = await harness.ProcessAsync([SaleEvents.For(showtime, remaining)]);
            Assert.Equal(1, last.Stored);
        }
        Assert.Equal(showtime.Capacity, await harness.Database.ScalarAsync<int>("select tickets_sold from showtime_sales where showtime_id = $1", showtime.ShowtimeId));
        var full = await harness.ProcessAsync([SaleEvents.For(showtime, 1)]);
        Assert.Equal(DeadLetterReasons.Overbooked, Assert.Single(full.DeadLetters).Reason);
    }

    [Fact]
    public async Task OriginalFormatEventsAreAcceptedAndARedeliveryCountsOnce()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "original_format");
        var payload = Encoding.UTF8.GetBytes("""{"theater_name": "Regal LA Live", "movie_title": "Titanic", "sale_date": "2025-03-11", "ticket_price": 9.75, "tickets_sold": 3}""");
        var message = harness.Message(payload);

        var first = await harness.ProcessAsync(message);
        var again = await harness.ProcessAsync(message);   // same Kafka coordinates: a redelivery

        Assert.Equal(1, first.Stored);
        Assert.Equal(0, again.Stored);
        Assert.Equal(1, again.Duplicates);
        Assert.Equal(29.25m, await harness.Database.ScalarAsync<decimal>(
            "select revenue from theater_movie_daily_sales where theater_id = 2 and movie_id = 3 and sale_date = '2025-03-11'"));

        var another = await harness.ProcessAsync(harness.Message(payload));   // the same content at another offset is another sale
        Assert.Equal(1, another.Stored);
        Assert.Equal(6L, await harness.Database.ScalarAsync<long>("select tickets_sold from theater_daily_sales where theater_id = 2 and sale_date = '2025-03-11'"));
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    [Fact]
    public async Task AFlushedCacheIsRebuiltExactlyFromPostgres()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "rebuild");
        var events = SaleEvents.Random(2_000, seed: 3);
        await harness.ProcessAsync(events.Take(1_500));
        await harness.AssertCacheMatchesDatabaseAsync();

        await harness.Redis.GetDatabase().ExecuteAsync("FLUSHDB");
        await harness.ProcessAsync(events.Skip(1_500));       // the cache now holds only what this batch touched
        Assert.False(await harness.Redis.GetDatabase().KeyExistsAsync(LiveKeys.Built));
        await harness.Live.RebuildIfNeededAsync(TestContext.Current.CancellationToken);

        Assert.True(await harness.Redis.GetDatabase().KeyExistsAsync(LiveKeys.Built));
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    [Fact]
    public async Task TotalsForOneMemberTwiceInABatchLeaveTheGreaterInTheCache()
    {
        // One ZADD GT per key carries all of a batch's members; a member can be in it twice (totals of two writers
        // of the same row, or of a batch split in halves). Whatever the order, the greater total must stay.
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "zadd_one_member_twice");
        var date = new DateOnly(2025, 3, 11);
        RollupRow Total(long tickets) => new(Rollups.TheaterDay, date, 7, 0, null, null, tickets, tickets * 10m, tickets);

        var db = harness.Redis.GetDatabase();
        await harness.Live.ApplyAsync([Total(30), Total(20), Total(25)]);
        Assert.Equal(30d, await db.SortedSetScoreAsync(LiveKeys.Theaters(date, LiveKeys.Measure.Tickets), "7"));
        await harness.Live.ApplyAsync([Total(10), Total(40)]);

        Assert.Equal((40d, 400d, 40d), (
            (await db.SortedSetScoreAsync(LiveKeys.Theaters(date, LiveKeys.Measure.Tickets), "7"))!.Value,
            (await db.SortedSetScoreAsync(LiveKeys.Theaters(date, LiveKeys.Measure.Revenue), "7"))!.Value,
            (await db.SortedSetScoreAsync(LiveKeys.Theaters(date, LiveKeys.Measure.Sales), "7"))!.Value));
    }
}
