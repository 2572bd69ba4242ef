using System.Text;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Rollups;
using ReelMetrics.Tests.Fixtures;
using LiveMeasure = ReelMetrics.Contracts.Live.LiveKeys.Measure;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>
/// Every rollup equals a recount of the sales table by its declaration (keys, join, filter), whatever the times of
/// sale, and a sale another writer stores while a batch is on its way counts once, as a duplicate of that batch.
/// </summary>
public sealed class RollupRecountTests(PostgresFixture postgres, RedisFixture redis)
{
    [Fact]
    public async Task EveryRollupEqualsARecountOfTheSalesWhateverTheTimesOfSale()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "rollup_recount");
        var random = new Random(7);
        DateTimeOffset[] edges =
        [
            DateTimeOffset.MinValue, DateTimeOffset.MaxValue, new(1, 1, 1, 0, 0, 59, TimeSpan.Zero), new(9999, 12, 31, 23, 59, 59, 999, TimeSpan.Zero),
            new(2026, 3, 29, 1, 30, 0, TimeSpan.FromHours(5.75)), new(1969, 12, 31, 23, 59, 59, 999, TimeSpan.Zero), DateTimeOffset.UnixEpoch,
        ];
        var events = SaleEvents.Random(2_000, seed: 8).Select((e, i) => e with
        {
            // Minutes either side of now with odd seconds and ticks, and now and then the edges of time.
            SoldAt = i % 50 == 0 ? edges[i / 50 % edges.Length] : DateTimeOffset.UtcNow.AddTicks(random.NextInt64(-TimeSpan.TicksPerDay, TimeSpan.TicksPerDay)),
        }).ToList();

        foreach (var chunk in events.Chunk(300)) Assert.Equal(chunk.Length, (await harness.ProcessAsync(chunk)).Stored);
        Assert.Equal(0, (await harness.ProcessAsync(events.Take(400))).Stored);   // a redelivery counts once

        Assert.Equal(events.Count, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
        await AssertEveryRollupEqualsItsRecountAsync(harness.Database);
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    [Fact]
    public async Task ASaleAnotherWriterStoresWhileTheBatchIsOnItsWayCountsOnceInEveryRollup()
    {
        await using var database = await SalesDatabase.CreateAsync(postgres, "rollup_recount_race");
        await using var other = await IngestionHarness.CreateAsync(database, redis);
        RawMessage? contested = null;
        var raced = 0;
        await using var harness = await IngestionHarness.CreateAsync(database, redis, dataSource => new SalesStore(dataSource)
        {
            // After this batch found none of its sales stored, another consumer stores one of them (an original-format
            // sale: it takes no showtime lock, so it does not wait for this batch).
            BeforeInsert = async () =>
            {
                if (Interlocked.Exchange(ref raced, 1) == 0) Assert.Equal(1, (await other.ProcessAsync(contested!)).Stored);
            },
        });
        contested = harness.Message(Encoding.UTF8.GetBytes(
            """{"theater_name": "Regal LA Live", "movie_title": "Titanic", "sale_date": "2025-03-11", "ticket_price": 9.75, "tickets_sold": 3}"""));
        var sales = SaleEvents.Random(200, seed: 9).Select(harness.Message).Append(contested).ToArray();

        var outcome = await harness.ProcessAsync(sales);

        Assert.Equal(1, raced);
        Assert.Equal(sales.Length, await database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(sales.Length, await database.ScalarAsync<long>("select sum(sales_count)::bigint from theater_daily_sales"));
        Assert.Equal(sales.Length, await database.ScalarAsync<long>("select sum(sales_count)::bigint from chain_minute_sales"));
        Assert.Equal((sales.Length - 1, 1), (outcome.Stored, outcome.Duplicates));   // the other writer stored that one
        await AssertEveryRollupEqualsItsRecountAsync(database);
    }

    /// <summary>
    /// Each rollup table holds exactly the groups of the sales table by its declaration (keys, join, filter), with their
    /// sums and their latest values.
    /// </summary>
    private static async Task AssertEveryRollupEqualsItsRecountAsync(SalesDatabase database)
    {
        foreach (var rollup in Rollups.All)
        {
            var keys = string.Join(", ", rollup.Keys.Select(k => k.Column));
            var measures = new Dictionary<LiveMeasure, string> { [LiveMeasure.Tickets] = "sum(tickets_sold)", [LiveMeasure.Revenue] = "sum(revenue)", [LiveMeasure.Sales] = "count(*)" };
            var recounted = rollup.Measures.Select(m => (Rollup.Column(m), measures[m]))
                .Concat(rollup.LatestAttributes.Select(a => (a.Column, $"max({a.FromSale})"))).ToList();
            var recount = $"""
                select {string.Join(", ", [.. rollup.Keys.Select(k => $"{k.FromSale} as {k.Column}"), .. recounted.Select(c => $"{c.Item2} as recount_{c.Item1}")])}
                from sales{(rollup.Join is null ? "" : " " + rollup.Join)}{(rollup.Where is null ? "" : " where " + rollup.Where)}
                group by {string.Join(", ", rollup.Keys.Select((_, i) => i + 1))}
                """;
            var differs = string.Join(" or ", recounted.Select(c => $"recount.recount_{c.Item1} is distinct from a.{c.Item1}"));
            var wrong = await database.ScalarAsync<string?>(
                $"select string_agg(format('%s: %s', row({keys}), row(recount.*)), '; ') from ({recount}) recount full join {rollup.Table} a using ({keys}) where {differs}");
            Assert.True(wrong is null, $"{rollup.Table}: rows differ from a recount of the sales (keys: recount): {wrong}");
            Assert.True(await database.ScalarAsync<long>($"select count(*) from {rollup.Table}") > 0, $"{rollup.Table} is empty");
        }
    }
}
