using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ReelMetrics.Consumer;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Live;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>
/// A replay sends a dead letter through the consumer's normal path again, exactly once: a sale for a theater the
/// catalog did not have becomes one sale once the theater is added, aggregates and live cache included, and a second
/// replay changes nothing. Real PostgreSQL and Redis, the consumer's own replayer.
/// </summary>
public sealed class DeadLetterReplayTests(PostgresFixture postgres, RedisFixture redis)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ASaleForAMissingTheaterIsDeadUntilTheTheaterIsAddedThenOneReplayMakesItOneSaleAndASecondChangesNothing()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "replay_contract");
        var replayer = MissingTheater.Replayer(harness);
        var sale = MissingTheater.Sale(tickets: 3);

        var original = harness.Message(sale);
        var first = await harness.ProcessAsync(original);
        var letter = Assert.Single(first.DeadLetters);
        Assert.Equal(DeadLetterReasons.UnknownTheater, letter.Reason);
        Assert.Equal((long)MissingTheater.TheaterId, await harness.Database.ScalarAsync<long>("select theater_id from dead_letters"));
        Assert.Equal(0, await replayer.ReplayRequestedAsync(Cancel));   // nothing requested: nothing replayed

        await MissingTheater.AddToCatalogAsync(harness.Database);
        await MissingTheater.RequestReplayAsync(harness.Database);
        Assert.Equal(1, await replayer.ReplayRequestedAsync(Cancel));

        Assert.Equal(1L, await harness.Database.ScalarAsync<long>("select count(*) from sales where event_id = $1", sale.EventId));
        Assert.Equal(("replayed", sale.EventId, 1), await LetterAsync(harness.Database));
        Assert.Equal(3L, await TheaterTicketsAsync(harness.Database));
        Assert.Equal(3L, await harness.Database.ScalarAsync<long>("select tickets_sold from showtime_sales where showtime_id = $1", MissingTheater.ShowtimeId));
        await harness.AssertCacheMatchesDatabaseAsync();
        Assert.Equal(3d, await harness.Redis.GetDatabase().SortedSetScoreAsync(
            LiveKeys.Theaters(SalesDatabase.Today, LiveKeys.Measure.Tickets), MissingTheater.TheaterId.ToString(System.Globalization.CultureInfo.InvariantCulture)) ?? double.NaN);

        // Asked again (a second operator, a double click that got through): the sale is there already, nothing changes.
        await MissingTheater.RequestReplayAsync(harness.Database, from: "replayed");
        Assert.Equal(1, await replayer.ReplayRequestedAsync(Cancel));
        Assert.Equal(1L, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(3L, await TheaterTicketsAsync(harness.Database));
        Assert.Equal(("replayed", sale.EventId, 2), await LetterAsync(harness.Database));
        await harness.AssertCacheMatchesDatabaseAsync();

        // The original message redelivered by Kafka is not a second sale either.
        var redelivered = await harness.ProcessAsync(original);
        Assert.Equal((0, 1), (redelivered.Stored, redelivered.Duplicates));
        Assert.Equal(1L, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
    }

    [Fact]
    public async Task AnOriginalFormatSaleKeepsItsMessageIdentityAndTimeWhenReplayedSoItCountsOnceHoweverItComesBack()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "replay_original");
        var replayer = MissingTheater.Replayer(harness);
        var sentAt = DateTimeOffset.UtcNow.AddMinutes(-7);
        var message = new RawMessage(new MessageCoordinates(Topics.TicketSales, 1, 4_242), "x", MissingTheater.OriginalSale(tickets: 2),
            sentAt.ToUnixTimeMilliseconds());

        Assert.Single((await harness.ProcessAsync(message)).DeadLetters);
        Assert.Equal(0L, await harness.Database.ScalarAsync<long>("select count(*) from dead_letters where theater_id is not null"));
        await MissingTheater.AddToCatalogAsync(harness.Database);
        await MissingTheater.RequestReplayAsync(harness.Database);
        Assert.Equal(1, await replayer.ReplayRequestedAsync(Cancel));

        Assert.Equal(("replayed", message.Identity, 1), await LetterAsync(harness.Database));
        Assert.Equal(message.Identity, await harness.Database.ScalarAsync<Guid>("select event_id from sales"));
        var soldAt = await harness.Database.ScalarAsync<DateTime>("select sold_at from sales");
        Assert.Equal(sentAt.ToUnixTimeMilliseconds(), new DateTimeOffset(soldAt, TimeSpan.Zero).ToUnixTimeMilliseconds());

        await MissingTheater.RequestReplayAsync(harness.Database, from: "replayed");
        await replayer.ReplayRequestedAsync(Cancel);
        var redelivered = await harness.ProcessAsync(message);
        Assert.Equal((0, 1), (redelivered.Stored, redelivered.Duplicates));
        Assert.Equal(1L, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(2L, await harness.Database.ScalarAsync<long>(
            "select tickets_sold from theater_daily_sales where theater_id = $1", MissingTheater.TheaterId));
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    [Fact]
    public async Task AReplayThatFailsAgainIsDeadAgainWithTheNewReasonAndItsAttemptCounted()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "replay_still_dead");
        var replayer = MissingTheater.Replayer(harness);
        var sale = MissingTheater.Sale(tickets: 1);
        await harness.ProcessAsync(harness.Message(sale));

        // Still not in the catalog: dead again, same reason.
        await MissingTheater.RequestReplayAsync(harness.Database);
        await replayer.ReplayRequestedAsync(Cancel);
        Assert.Equal(("dead", (Guid?)null, 1), await LetterAsync(harness.Database));

        // The theater is there but the showtime is not: dead again, for that.
        await using (var command = harness.Database.DataSource.CreateCommand(
            $"insert into theaters values ({MissingTheater.TheaterId}, 'Half Added', 'Nowhere', 'UTC')"))
        {
            await command.ExecuteNonQueryAsync(Cancel);
        }
        await MissingTheater.RequestReplayAsync(harness.Database);
        await replayer.ReplayRequestedAsync(Cancel);
        Assert.Equal(("dead", (Guid?)null, 2), await LetterAsync(harness.Database));
        Assert.Equal(DeadLetterReasons.UnknownShowtime, await harness.Database.ScalarAsync<string>("select reason from dead_letters"));
        Assert.Equal(0L, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
    }

    [Fact]
    public async Task ReplaysAndKafkaBatchesSellingTheSameShowtimeAtOnceNeverOverbookItAndKeepTheCacheExact()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "replay_concurrent");
        var replayer = MissingTheater.Replayer(harness);
        await MissingTheater.AddToCatalogAsync(harness.Database, capacity: 60);
        // 40 letters of 1 ticket each for the new showtime (made dead by a name the catalog lacks in their channel field).
        var letters = Enumerable.Range(0, 40).Select(_ => MissingTheater.Sale(tickets: 1) with { }).ToList();
        var messages = letters.Select(s => harness.Message(Encoding.UTF8.GetBytes(
            JsonSerializer.Serialize(s, ContractJson.Default.TicketSold).Replace("\"online\"", "\"drive_in\"", StringComparison.Ordinal)))).ToArray();
        Assert.Equal(40, (await harness.ProcessAsync(messages)).DeadLetters.Count);
        await using (var command = harness.Database.DataSource.CreateCommand(
            "update dead_letters set state = 'replay_requested', payload = convert_to(replace(convert_from(payload, 'UTF8'), 'drive_in', 'online'), 'UTF8')"))
        {
            await command.ExecuteNonQueryAsync(Cancel);
        }

        // Meanwhile Kafka brings 40 more single tickets for the same 60 seats.
        var live = Enumerable.Range(0, 40).Select(_ => MissingTheater.Sale(tickets: 1)).ToList();
        var kafka = Task.Run(async () =>
        {
            foreach (var chunk in live.Chunk(5)) await harness.ProcessAsync(chunk);
        }, Cancel);
        var replayed = await replayer.ReplayRequestedAsync(Cancel);
        await kafka;

        Assert.Equal(40, replayed);
        Assert.Equal(60L, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(60L, await harness.Database.ScalarAsync<long>("select tickets_sold from showtime_sales where showtime_id = $1", MissingTheater.ShowtimeId));
        Assert.Equal(60L, await TheaterTicketsAsync(harness.Database));
        // Every letter is settled: a sale, or dead again as overbooked; none is left requested.
        Assert.Equal(0L, await harness.Database.ScalarAsync<long>("select count(*) from dead_letters where state = 'replay_requested'"));
        Assert.Equal(await harness.Database.ScalarAsync<long>("select count(*) from dead_letters where state = 'replayed'"),
            await harness.Database.ScalarAsync<long>("select count(*) from sales s join dead_letters d using (event_id)"));
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    private static Task<long> TheaterTicketsAsync(SalesDatabase database) =>
        database.ScalarAsync<long>("select coalesce(sum(tickets_sold), 0) from theater_daily_sales where theater_id = $1", MissingTheater.TheaterId);

    private static async Task<(string State, Guid? EventId, int Attempts)> LetterAsync(SalesDatabase database)
    {
        await using var command = database.DataSource.CreateCommand("select state, event_id, replay_attempts from dead_letters");
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        Assert.True(await reader.ReadAsync(Cancel));
        return (reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetInt32(2));
    }
}

/// <summary>A theater the seed catalog lacks, its one showtime today, and sales for it.</summary>
internal static class MissingTheater
{
    public const int TheaterId = 9_001;
    public const string Name = "ReelMetrics Test Drive-In";
    public const long ShowtimeId = 990_000_001;
    private const int ScreenId = 990_001;
    private const int MovieId = 1;

    public static TicketSold Sale(int tickets) => new()
    {
        EventId = Guid.NewGuid(),
        SoldAt = DateTimeOffset.UtcNow,
        TheaterId = TheaterId,
        TheaterName = Name,
        MovieId = MovieId,
        MovieTitle = "The Matrix",
        ShowtimeId = ShowtimeId,
        Showtime = SalesDatabase.Today.ToDateTime(new TimeOnly(20, 0)),
        SaleDate = SalesDatabase.Today,
        TicketsSold = tickets,
        TicketPrice = 12.50m,
        Channel = SalesChannel.Online,
    };

    /// <summary>An event of the original system's format (no ids: names), for this theater.</summary>
    public static byte[] OriginalSale(int tickets) => Encoding.UTF8.GetBytes(
        $$"""{"theater_name": "{{Name}}", "movie_title": "The Matrix", "sale_date": "{{SalesDatabase.Today:yyyy-MM-dd}}", "ticket_price": 11.25, "tickets_sold": {{tickets}}}""");

    /// <summary>What an operator does before replaying: adds the theater (with a screen and today's showtime) to the catalog.</summary>
    public static async Task AddToCatalogAsync(SalesDatabase database, int capacity = 100)
    {
        await using var command = database.DataSource.CreateCommand($"""
            insert into theaters values ({TheaterId}, '{Name}', 'Nowhere', 'UTC') on conflict (theater_id) do update set name = excluded.name;
            insert into screens values ({ScreenId}, {TheaterId}, 'Screen 1', {capacity}, 'standard');
            insert into showtimes values ({ShowtimeId}, {TheaterId}, {ScreenId}, {MovieId}, '{SalesDatabase.Today:yyyy-MM-dd} 20:00', '{SalesDatabase.Today:yyyy-MM-dd}', {capacity}, 12.50);
            """);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>What the API does for a replay (tests of the consumer alone set it themselves).</summary>
    public static async Task RequestReplayAsync(SalesDatabase database, string from = "dead")
    {
        await using var command = database.DataSource.CreateCommand(
            "update dead_letters set state = 'replay_requested', requested_by = 'operator', requested_at = now() where state = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = from });
        Assert.True(await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken) > 0);
    }

    /// <summary>The consumer's replayer over the harness's database and Redis.</summary>
    public static DeadLetterReplayer Replayer(IngestionHarness harness)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        return new DeadLetterReplayer(harness.Database.DataSource, harness.Live, new IngestionMetrics(meters), TimeProvider.System,
            Options.Create(new ConsumerOptions()), NullLogger<BatchProcessor>.Instance, NullLogger<DeadLetterReplayer>.Instance);
    }
}
