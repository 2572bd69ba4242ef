using System.Text;
using Npgsql;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Live;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>What no message can do to the batch pipeline: stop it, fool its identities, or overbook a showtime.</summary>
public sealed class RobustIngestionTests(PostgresFixture postgres, RedisFixture redis)
{
    private static byte[] Original(string theater, string movie = "Titanic", int tickets = 3, decimal price = 9.75m) =>
        Encoding.UTF8.GetBytes($$"""{"theater_name": {{System.Text.Json.JsonSerializer.Serialize(theater)}}, "movie_title": "{{movie}}", "sale_date": "2025-03-11", "ticket_price": {{price}}, "tickets_sold": {{tickets}}}""");

    [Fact]
    public async Task TextPostgresRefusesIsDeadLetteredSafelyAndTheBatchStillCounts()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "hostile_text");
        var valid = SaleEvents.Random(50, seed: 5);
        // NUL (PostgreSQL's text refuses it), an escaped unpaired surrogate, bidi marks, and a name far too long to keep.
        byte[][] hostile =
        [
            Original("Regal\u0000LA Live"),
            Encoding.UTF8.GetBytes("""{"theater_name": "\ud800 lone", "movie_title": "Titanic", "sale_date": "2025-03-11", "ticket_price": 9.75, "tickets_sold": 3}"""),
            Original("\u202eevil\u202c" + new string('x', 100_000)),
            [0x00, 0xff, 0xfe, 0x7b],
        ];
        var messages = valid.Select(harness.Message).Concat(hostile.Select(h => harness.Message(h, key: "key\u0000with nul"))).ToArray();

        var outcome = await harness.ProcessAsync(messages);

        Assert.Equal(valid.Count, outcome.Stored);
        Assert.Equal(hostile.Length, outcome.DeadLetters.Count);
        Assert.Equal(valid.Count, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(hostile.Length, await harness.Database.ScalarAsync<long>("select count(*) from dead_letters"));
        Assert.Equal(0L, await harness.Database.ScalarAsync<long>(
            $"select count(*) from dead_letters where length(detail) > {DeadLetter.MaxDetailLength} or length(message_key) > {DeadLetter.MaxKeyLength}"));
        foreach (var payload in hostile)
        {
            Assert.Equal(1L, await harness.Database.ScalarAsync<long>("select count(*) from dead_letters where payload = $1", payload));
        }
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    [Fact]
    public async Task AMessageTheDatabaseRefusesIsIsolatedFromItsBatchAndDeadLetteredAsUnprocessable()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "poison_isolation");
        var events = SaleEvents.Random(300, seed: 11);
        var poison = events[137].EventId;
        // Something validation does not foresee: the database refuses one sale with a data exception.
        await using (var command = harness.Database.DataSource.CreateCommand($"""
            create function refuse_poison() returns trigger language plpgsql as $$
            begin
                if new.event_id = '{poison}' then raise exception 'poison' using errcode = 'invalid_parameter_value'; end if;
                return new;
            end $$;
            create trigger refuse_poison before insert on sales for each row execute function refuse_poison();
            """))
        {
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var outcome = await harness.ProcessAsync(events);

        Assert.Equal(events.Count - 1, outcome.Stored);
        var letter = Assert.Single(outcome.DeadLetters);
        Assert.Equal(DeadLetterReasons.Unprocessable, letter.Reason);
        Assert.Contains("poison", letter.Detail, StringComparison.Ordinal);
        Assert.Equal(events.Count - 1, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(events.Where(e => e.EventId != poison).Sum(e => e.TicketsSold),
            await harness.Database.ScalarAsync<long>("select sum(tickets_sold) from theater_daily_sales"));
        Assert.Equal("unprocessable", await harness.Database.ScalarAsync<string>("select reason from dead_letters"));
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    [Fact]
    public async Task AConsumerWhoseSqlDoesNotFitTheSchemaHoldsItsBatchInsteadOfDeadLetteringEveryMessage()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "schema_mismatch");
        var events = SaleEvents.Random(200, seed: 12);
        // A migration this consumer does not know: a required column it does not write (so every insert fails the same way).
        await harness.Database.ScalarAsync<int>("alter table showtime_sales add column seats_reserved integer not null; select 1");

        var held = await Assert.ThrowsAsync<PostgresException>(() => harness.ProcessAsync(events));

        Assert.Equal(PostgresErrorCodes.NotNullViolation, held.SqlState);
        Assert.True(IngestionFailures.IsInfrastructure(held));   // what makes the consume loop hold and retry the batch
        Assert.Equal(0L, await harness.Database.ScalarAsync<long>("select count(*) from dead_letters"));
        Assert.Equal(0L, await harness.Database.ScalarAsync<long>("select count(*) from sales"));

        // The schema and the consumer fit again (here: the column goes): the same batch is stored whole.
        await harness.Database.ScalarAsync<int>("alter table showtime_sales drop column seats_reserved; select 1");
        var outcome = await harness.ProcessAsync(events);
        Assert.Equal((events.Count, 0), (outcome.Stored, outcome.DeadLetters.Count));
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    [Fact]
    public async Task OriginalFormatSalesAtOffsetsThatStartedOverAreNewSalesAndARedeliveryStillCountsOnce()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "offsets_start_over");
        var sentAt = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        RawMessage At(long offset, long timestamp, byte[] payload) => new(new MessageCoordinates(Topics.TicketSales, 0, offset), "2", payload, timestamp);
        var firstWave = Enumerable.Range(0, 150).Select(i => At(i, sentAt + i, Original("Regal LA Live"))).ToArray();
        // A new broker: the same offsets again, later, with the same content.
        var secondWave = Enumerable.Range(0, 150).Select(i => At(i, sentAt + 60_000 + i, Original("Regal LA Live"))).ToArray();

        var first = await harness.ProcessAsync(firstWave);
        var redelivered = await harness.ProcessAsync(firstWave[..50]);
        var second = await harness.ProcessAsync(secondWave);

        Assert.Equal((150, 150, 0, 50), (first.Stored, second.Stored, redelivered.Stored, redelivered.Duplicates));
        Assert.Equal(300 * 3L, await harness.Database.ScalarAsync<long>(
            "select tickets_sold from theater_daily_sales where theater_id = 2 and sale_date = '2025-03-11'"));
    }

    [Fact]
    public async Task ADeadLetterRedeliveredIsADuplicateAndADifferentMessageAtItsOffsetIsANewLetter()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "dead_letter_identity");
        var bad = new RawMessage(new MessageCoordinates(Topics.TicketSales, 0, 7), null, "not json"u8.ToArray(), 1_000);
        var badAfterRestart = bad with { TimestampMs = 2_000 };

        var first = await harness.ProcessAsync(bad);
        var again = await harness.ProcessAsync(bad);
        var other = await harness.ProcessAsync(badAfterRestart);

        Assert.Equal((1, 0, 1, 1), (first.DeadLetters.Count, again.DeadLetters.Count, again.Duplicates, other.DeadLetters.Count));
        Assert.Equal(2L, await harness.Database.ScalarAsync<long>("select count(*) from dead_letters"));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public async Task OverbookingIsDecidedInMessageOrderWhateverTheBatching(int batchSize)
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, $"seat_order_{batchSize}");
        var showtime = SeedCatalog.ShowtimesOn(SalesDatabase.Today).First();
        var random = new Random(batchSize);
        // Adversarial: big sales that do not fit among small ones that do, until well past capacity.
        var sales = new List<TicketSold>();
        while (sales.Sum(s => s.TicketsSold) < showtime.Capacity * 2) sales.Add(SaleEvents.For(showtime, random.Next(2) == 0 ? random.Next(1, 5) : random.Next(40, 101)));
        var expected = new List<bool>();
        var seated = 0;
        foreach (var sale in sales)
        {
            var fits = seated + sale.TicketsSold <= showtime.Capacity;
            expected.Add(fits);
            if (fits) seated += sale.TicketsSold;
        }

        var storedIds = new HashSet<Guid>();
        foreach (var chunk in sales.Chunk(batchSize))
        {
            var outcome = await harness.ProcessAsync(chunk);
            Assert.All(outcome.DeadLetters, l => Assert.Equal(DeadLetterReasons.Overbooked, l.Reason));
        }
        await using (var command = harness.Database.DataSource.CreateCommand("select event_id from sales"))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken)) storedIds.Add(reader.GetGuid(0));
        }

        Assert.Equal(expected, sales.Select(s => storedIds.Contains(s.EventId)));
        Assert.Equal(seated, await harness.Database.ScalarAsync<int>("select tickets_sold from showtime_sales where showtime_id = $1", showtime.ShowtimeId));
    }

    [Fact]
    public async Task RedeliveriesAreSkippedAfterOneFailedAttemptAndARunOfThemCostsNoMore()
    {
        // The store inserts plainly and lets the sales' primary key say when a sale was stored before; then it stores the
        // batch again skipping those, and goes on skipping from the start until a batch holds none. Each attempt at a
        // batch reaches the moment before the insert once.
        var attempts = 0;
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "redelivery_attempts",
            dataSource => new SalesStore(dataSource) { BeforeInsert = () => { attempts++; return Task.CompletedTask; } });
        var sales = SaleEvents.Random(400, seed: 17);
        (int Stored, int Duplicates, int Attempts) Stored(BatchOutcome outcome)
        {
            var result = (outcome.Stored, outcome.Duplicates, attempts);
            attempts = 0;
            return result;
        }

        Assert.Equal((100, 0, 1), Stored(await harness.ProcessAsync(sales.Take(100))));
        Assert.Equal((50, 50, 2), Stored(await harness.ProcessAsync(sales.Skip(50).Take(100))));     // half of it redelivered
        Assert.Equal((0, 100, 1), Stored(await harness.ProcessAsync(sales.Take(100))));              // a run of redeliveries
        Assert.Equal((100, 0, 1), Stored(await harness.ProcessAsync(sales.Skip(150).Take(100))));    // the run is over
        Assert.Equal((150, 0, 1), Stored(await harness.ProcessAsync(sales.Skip(250))));
        Assert.Equal(400L, await harness.Database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(sales.Sum(s => s.TicketsSold), await harness.Database.ScalarAsync<long>("select sum(tickets_sold) from theater_daily_sales"));
        await harness.AssertCacheMatchesDatabaseAsync();
    }

    [Fact]
    public async Task ARedeliveredSaleTakesNoSeatsWhenAShowtimeRunsShort()
    {
        // The store lets the database check the seats and decides sale by sale only when a showtime runs short; then a
        // sale stored before (a redelivery) must not count twice against the seats left.
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "seats_redelivery");
        var showtime = SeedCatalog.ShowtimesOn(SalesDatabase.Today).First();
        var filler = new List<TicketSold>();
        while (showtime.Capacity - filler.Sum(s => s.TicketsSold) > 130) filler.Add(SaleEvents.For(showtime, 100));
        filler.Add(SaleEvents.For(showtime, showtime.Capacity - filler.Sum(s => s.TicketsSold) - 30));
        var first = SaleEvents.For(showtime, 10);
        Assert.Equal(filler.Count + 1, (await harness.ProcessAsync([.. filler, first])).Stored);   // 20 seats left

        var fits = SaleEvents.For(showtime, 15);        // fits in the 20 left; would not if the redelivery took 10 more
        var tooMany = SaleEvents.For(showtime, 10);     // does not fit in the 5 left then
        var outcome = await harness.ProcessAsync([first, fits, tooMany]);

        Assert.Equal((1, 1), (outcome.Stored, outcome.Duplicates));
        Assert.Equal(DeadLetterReasons.Overbooked, Assert.Single(outcome.DeadLetters).Reason);
        Assert.Equal((1L, 0L), (
            await harness.Database.ScalarAsync<long>("select count(*) from sales where event_id = $1", fits.EventId),
            await harness.Database.ScalarAsync<long>("select count(*) from sales where event_id = $1", tooMany.EventId)));
        Assert.Equal(showtime.Capacity - 5, await harness.Database.ScalarAsync<int>("select tickets_sold from showtime_sales where showtime_id = $1", showtime.ShowtimeId));
    }

    [Fact]
    public async Task TheDatabaseRefusesAShowtimeSoldBeyondItsCapacity()
    {
        await using var database = await SalesDatabase.CreateAsync(postgres, "seat_check");
        var showtime = SeedCatalog.ShowtimesOn(SalesDatabase.Today).First();

        const string Sell = "insert into showtime_sales (showtime_id, tickets_sold, revenue, capacity) values ($1, $2, 0, $3) returning 1";

        var beyond = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<int>(Sell, showtime.ShowtimeId, showtime.Capacity + 1, showtime.Capacity));
        Assert.Equal(PostgresErrorCodes.CheckViolation, beyond.SqlState);
        // The row's capacity is the showtime's: claiming more seats than the screen has is refused too.
        var inflated = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<int>(Sell, showtime.ShowtimeId, showtime.Capacity + 1, showtime.Capacity + 1));
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, inflated.SqlState);

        Assert.Equal(1, await database.ScalarAsync<int>(Sell, showtime.ShowtimeId, showtime.Capacity, showtime.Capacity));
        var upsert = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<int>(
            "update showtime_sales set tickets_sold = tickets_sold + 1 where showtime_id = $1 returning 1", showtime.ShowtimeId));
        Assert.Equal(PostgresErrorCodes.CheckViolation, upsert.SqlState);
        // A sold-out showtime's screen cannot shrink under the tickets sold; a larger one carries over.
        var shrink = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<int>(
            "update showtimes set capacity = capacity - 1 where showtime_id = $1 returning 1", showtime.ShowtimeId));
        Assert.Equal(PostgresErrorCodes.CheckViolation, shrink.SqlState);
        await database.ScalarAsync<int>("update showtimes set capacity = capacity + 10 where showtime_id = $1 returning 1", showtime.ShowtimeId);
        Assert.Equal(showtime.Capacity + 10, await database.ScalarAsync<int>("select capacity from showtime_sales where showtime_id = $1", showtime.ShowtimeId));
    }

    [Fact]
    public async Task ATheaterAddedWhileRunningIsAcceptedWithinTheStatedBound()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "catalog_grows");
        await harness.ProcessAsync(SaleEvents.Random(10, seed: 1));   // the catalog is loaded now
        var before = await harness.ProcessAsync(harness.Message(Original("ReelMetrics Pasadena")));
        Assert.Equal(DeadLetterReasons.UnknownTheater, Assert.Single(before.DeadLetters).Reason);

        await harness.Database.ScalarAsync<int>("insert into theaters (theater_id, name, city, time_zone) values (99, 'ReelMetrics Pasadena', 'Pasadena', 'America/Los_Angeles') returning 1");
        // The cache reloads for an unknown name once it is older than CatalogUnknownRecheck (2 s by default).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        BatchOutcome after;
        do
        {
            after = await harness.ProcessAsync(harness.Message(Original("ReelMetrics Pasadena")));
            if (after.Stored == 1) break;
            await Task.Delay(250, TestContext.Current.CancellationToken);
        } while (DateTime.UtcNow < deadline);

        Assert.Equal(1, after.Stored);
        Assert.Equal(3L, await harness.Database.ScalarAsync<long>("select tickets_sold from theater_daily_sales where theater_id = 99"));
    }

    [Fact]
    public async Task ReconciliationFindsACacheAboveADatabaseThatWentDownAndRebuildsIt()
    {
        await using var harness = await IngestionHarness.CreateAsync(postgres, redis, "reconcile");
        var events = SaleEvents.Random(500, seed: 17);
        await harness.ProcessAsync(events);
        Assert.Equal(0, await harness.Live.ReconcileAsync(TestContext.Current.CancellationToken));

        // A restored database: one theater-day's totals are lower than the cache says.
        await harness.Database.ScalarAsync<int>("""
            update theater_daily_sales set tickets_sold = tickets_sold - 1, revenue = revenue - 1
            where (sale_date, theater_id) = (select sale_date, theater_id from theater_daily_sales order by revenue desc limit 1) returning 1
            """);

        Assert.True(await harness.Live.ReconcileAsync(TestContext.Current.CancellationToken) >= 2);
        await harness.AssertCacheMatchesDatabaseAsync();
        Assert.True(await harness.Redis.GetDatabase().KeyExistsAsync(LiveKeys.Built));
        Assert.Equal(0, await harness.Live.ReconcileAsync(TestContext.Current.CancellationToken));
    }
}
