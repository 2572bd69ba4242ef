using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Live;
using ReelMetrics.Contracts.Catalog;
using ReelMetrics.Database.Catalog;
using ReelMetrics.Tests.Fixtures;
using StackExchange.Redis;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>The consumer's batch pipeline over a real database and a real Redis, without Kafka.</summary>
internal sealed class IngestionHarness : IAsyncDisposable
{
    private long nextOffset;

    private IngestionHarness(SalesDatabase database, ConnectionMultiplexer redis, SalesStore store, BatchProcessor processor, LiveAggregates live)
    {
        Database = database;
        Redis = redis;
        Store = store;
        Processor = processor;
        Live = live;
    }

    public SalesDatabase Database { get; }
    public ConnectionMultiplexer Redis { get; }
    public SalesStore Store { get; }
    public BatchProcessor Processor { get; }
    public LiveAggregates Live { get; }

    /// <param name="store">Makes the store (by default as the consumer does) over the database's data source.</param>
    public static async Task<IngestionHarness> CreateAsync(PostgresFixture postgres, RedisFixture redisFixture, string name,
        Func<Npgsql.NpgsqlDataSource, SalesStore>? store = null) =>
        await CreateAsync(await SalesDatabase.CreateAsync(postgres, name), redisFixture, store);

    /// <summary>A harness over a database made already (two harnesses may share one, as two consumers do).</summary>
    public static async Task<IngestionHarness> CreateAsync(SalesDatabase database, RedisFixture redisFixture, Func<Npgsql.NpgsqlDataSource, SalesStore>? makeStore = null)
    {
        var redis = await ConnectionMultiplexer.ConnectAsync(redisFixture.CreateDatabase());
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var store = makeStore?.Invoke(database.DataSource) ?? new SalesStore(database.DataSource);
        var live = new LiveAggregates(redis, database.DataSource, NullLogger<LiveAggregates>.Instance);
        var processor = new BatchProcessor(new CatalogCache(database.DataSource), store, live, new IngestionMetrics(meters), TimeProvider.System,
            NullLogger<BatchProcessor>.Instance);
        await live.RebuildIfNeededAsync(TestContext.Current.CancellationToken);   // as the consumer does when it starts
        return new IngestionHarness(database, redis, store, processor, live);
    }

    public RawMessage Message(byte[] payload, string? key = null, int partition = 0) =>
        new(new MessageCoordinates(Topics.TicketSales, partition, Interlocked.Increment(ref nextOffset)), key, payload, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    public RawMessage Message(TicketSold sale) =>
        Message(JsonSerializer.SerializeToUtf8Bytes(sale, ContractJson.Default.TicketSold), sale.TheaterId.ToString(CultureInfo.InvariantCulture));

    public Task<BatchOutcome> ProcessAsync(params RawMessage[] messages) =>
        Processor.ProcessAsync(messages, TestContext.Current.CancellationToken);

    public Task<BatchOutcome> ProcessAsync(IEnumerable<TicketSold> sales) =>
        Processor.ProcessAsync(sales.Select(Message).ToList(), TestContext.Current.CancellationToken);

    /// <summary>Every aggregate row in PostgreSQL has the same value in Redis, and Redis has nothing more.</summary>
    public Task AssertCacheMatchesDatabaseAsync() => LiveCacheAssert.MatchesDatabaseAsync(Database, Redis.GetDatabase());

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await Redis.DisposeAsync();
        await Database.DisposeAsync();
    }
}

/// <summary>Valid <see cref="TicketSold"/> events for today's seeded showtimes, and the totals they must add up to.</summary>
internal static class SaleEvents
{
    public static List<TicketSold> Random(int count, int seed, int maxTickets = 4)
    {
        var random = new Random(seed);
        var showtimes = SeedCatalog.ShowtimesOn(SalesDatabase.Today).ToList();
        var theaters = SeedCatalog.Theaters.ToDictionary(t => t.TheaterId);
        var movies = SeedCatalog.Movies.ToDictionary(m => m.MovieId);
        SalesChannel[] channels = [SalesChannel.Online, SalesChannel.BoxOffice, SalesChannel.Kiosk];
        return Enumerable.Range(0, count).Select(_ =>
        {
            var showtime = showtimes[random.Next(showtimes.Count)];
            return For(showtime, random.Next(1, maxTickets + 1), channels[random.Next(channels.Length)], EventId(random), theaters, movies);
        }).ToList();
    }

    public static TicketSold For(Showtime showtime, int tickets, SalesChannel channel = SalesChannel.Online, Guid? eventId = null,
        Dictionary<int, Theater>? theaters = null, Dictionary<int, Movie>? movies = null) => new()
        {
            EventId = eventId ?? Guid.NewGuid(),
            SoldAt = DateTimeOffset.UtcNow,
            TheaterId = showtime.TheaterId,
            TheaterName = (theaters?[showtime.TheaterId] ?? SeedCatalog.Theaters.Single(t => t.TheaterId == showtime.TheaterId)).Name,
            MovieId = showtime.MovieId,
            MovieTitle = (movies?[showtime.MovieId] ?? SeedCatalog.Movies.Single(m => m.MovieId == showtime.MovieId)).Title,
            ShowtimeId = showtime.ShowtimeId,
            Showtime = showtime.StartsAt,
            SaleDate = showtime.BusinessDate,
            TicketsSold = tickets,
            TicketPrice = showtime.BasePrice,
            Channel = channel,
        };

    private static Guid EventId(Random random)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        return new Guid(bytes);
    }
}

/// <summary>Compares the live cache with the aggregates in PostgreSQL.</summary>
internal static class LiveCacheAssert
{
    /// <summary>Every aggregate row in PostgreSQL has the same value in Redis, and Redis has nothing more.</summary>
    public static async Task MatchesDatabaseAsync(SalesDatabase database, IDatabase db)
    {
        var expected = new Dictionary<(string Key, string Member), double>();
        await using (var command = database.DataSource.CreateCommand("""
            select 'theater', sale_date, theater_id::text, null::int, revenue, tickets_sold from theater_daily_sales
            union all select 'movie', sale_date, movie_id::text, null, revenue, tickets_sold from movie_daily_sales
            union all select 'theater_movie', sale_date, movie_id::text, theater_id, revenue, tickets_sold from theater_movie_daily_sales
            union all select 'channel', sale_date, channel, null, revenue, tickets_sold from channel_daily_sales
            """))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                var date = reader.GetFieldValue<DateOnly>(1);
                var member = reader.GetString(2);
                var (revenueKey, ticketsKey) = reader.GetString(0) switch
                {
                    "theater" => (LiveKeys.Theaters(date, LiveKeys.Measure.Revenue), LiveKeys.Theaters(date, LiveKeys.Measure.Tickets)),
                    "movie" => (LiveKeys.Movies(date, LiveKeys.Measure.Revenue), LiveKeys.Movies(date, LiveKeys.Measure.Tickets)),
                    "theater_movie" => (LiveKeys.TheaterMovies(date, reader.GetInt32(3), LiveKeys.Measure.Revenue), LiveKeys.TheaterMovies(date, reader.GetInt32(3), LiveKeys.Measure.Tickets)),
                    _ => (LiveKeys.Channels(date, LiveKeys.Measure.Revenue), LiveKeys.Channels(date, LiveKeys.Measure.Tickets)),
                };
                expected[(revenueKey, member)] = (double)reader.GetDecimal(4);
                expected[(ticketsKey, member)] = reader.GetInt64(5);
            }
        }
        await using (var command = database.DataSource.CreateCommand(
            "select st.business_date, s.showtime_id::text, s.tickets_sold from showtime_sales s join showtimes st using (showtime_id)"))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                expected[(LiveKeys.Showtimes(reader.GetFieldValue<DateOnly>(0)), reader.GetString(1))] = reader.GetInt32(2);
            }
        }
        await using (var command = database.DataSource.CreateCommand(
            // Minutes since the Unix epoch; sold_at ±infinity at the ends of bigint.
            """
            select sale_date, case minute when 'infinity' then '9223372036854775807' when '-infinity' then '-9223372036854775808'
                   else (extract(epoch from minute)::numeric / 60)::bigint::text end, revenue, tickets_sold
            from chain_date_minute_sales
            """))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                var date = reader.GetFieldValue<DateOnly>(0);
                var minute = reader.GetString(1);
                expected[(LiveKeys.DateMinutes(date, LiveKeys.Measure.Revenue), minute)] = (double)reader.GetDecimal(2);
                expected[(LiveKeys.DateMinutes(date, LiveKeys.Measure.Tickets), minute)] = reader.GetInt64(3);
            }
        }

        await using (var command = database.DataSource.CreateCommand(
            "select sale_date, theater_id, hour::text, revenue, tickets_sold, sales_count from theater_hourly_sales"))
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            {
                var (date, theaterId, hour) = (reader.GetFieldValue<DateOnly>(0), reader.GetInt32(1), reader.GetString(2));
                expected[(LiveKeys.TheaterHours(date, theaterId, LiveKeys.Measure.Revenue), hour)] = (double)reader.GetDecimal(3);
                expected[(LiveKeys.TheaterHours(date, theaterId, LiveKeys.Measure.Tickets), hour)] = reader.GetInt64(4);
                expected[(LiveKeys.TheaterHours(date, theaterId, LiveKeys.Measure.Sales), hour)] = reader.GetInt64(5);
            }
        }

        Assert.NotEmpty(expected);
        foreach (var ((key, member), value) in expected)
        {
            var actual = await db.SortedSetScoreAsync(key, member) ?? double.NaN;
            Assert.True(Math.Round(value, 2) == Math.Round(actual, 2), $"{key} member {member}: PostgreSQL has {value}, Redis {actual}");
        }
        foreach (var key in expected.Keys.Select(k => k.Key).Distinct())
        {
            Assert.Equal(expected.Keys.Count(k => k.Key == key), await db.SortedSetLengthAsync(key));
        }
    }
}
