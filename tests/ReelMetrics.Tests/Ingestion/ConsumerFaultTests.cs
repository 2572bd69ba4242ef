using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Contracts;
using ReelMetrics.Contracts.Live;
using ReelMetrics.LocalInfrastructure.Kafka;
using ReelMetrics.LocalInfrastructure.Postgres;
using ReelMetrics.LocalInfrastructure.Redis;
using ReelMetrics.Tests.Fixtures;
using StackExchange.Redis;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>
/// The pipeline pauses and resumes through outages of PostgreSQL, Redis and the broker, with no sale
/// lost and none counted twice. Uses servers of its own, since it stops them.
/// </summary>
public sealed class ConsumerFaultTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"reelmetrics-faults-{Guid.NewGuid():N}");
    private LocalPostgresServer postgres = null!;
    private LocalRedisServer redis = null!;
    private LocalKafkaBroker broker = null!;
    private SalesDatabase database = null!;

    public async ValueTask InitializeAsync()
    {
        postgres = await LocalPostgresServer.StartNewAsync(new LocalPostgresOptions
        {
            DataDirectory = Path.Combine(directory, "postgres"),
            Password = "faults",
            Durable = false,
        }, cancellationToken: TestContext.Current.CancellationToken);
        redis = LocalRedisServer.StartNew(new LocalRedisOptions { MemorySize = "256m", IndexSize = "16m" });
        broker = KafkaFixture.StartPrivateBroker(0, new LocalKafkaTopic(Topics.TicketSales, 4), new LocalKafkaTopic(Topics.DeadLetters, 1));
        database = await SalesDatabase.CreateAsync(await postgres.CreateDatabaseAsync("faults", TestContext.Current.CancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        await database.DisposeAsync();
        await broker.DisposeAsync();
        await redis.DisposeAsync();
        await postgres.DisposeAsync();
        try { Directory.Delete(directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [Fact]
    public async Task ThePipelinePausesAndResumesThroughPostgresRedisAndBrokerOutages()
    {
        var ct = TestContext.Current.CancellationToken;
        var events = SaleEvents.Random(8_000, seed: 99);
        var chunks = events.Chunk(2_000).ToArray();
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            EnableIdempotence = true,
            MessageTimeoutMs = 120_000,   // keeps retrying through the broker outage
        }).Build();

        using var host = BuildConsumer();
        await host.StartAsync(ct);

        Produce(producer, chunks[0]);
        await WaitForSalesAsync(2_000);

        // PostgreSQL goes away while sales keep coming: the consumer holds its batch and retries.
        await postgres.StopAsync(ct);
        Produce(producer, chunks[1]);
        await EventuallyAsync(async () => Assert.Equal(HealthStatus.Degraded, await IngestionHealthAsync(host)));   // and says so
        await postgres.StartAsync(ct);
        await WaitForSalesAsync(4_000);

        // Redis restarts empty: the consumer notices the missing marker and rebuilds it from PostgreSQL.
        redis.Stop();
        Produce(producer, chunks[2]);
        redis.Start();
        await WaitForSalesAsync(6_000);

        // The broker becomes unreachable and comes back with its data.
        broker.SetDown();
        Produce(producer, chunks[3], flush: false);
        broker.SetUp();
        Assert.Equal(0, producer.Flush(TimeSpan.FromMinutes(1)));
        await WaitForSalesAsync(8_000);
        await EventuallyAsync(async () => Assert.Equal(HealthStatus.Healthy, await IngestionHealthAsync(host)));

        Assert.Equal(events.Count, await database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold * e.TicketPrice), await database.ScalarAsync<decimal>("select sum(revenue) from theater_daily_sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold), await database.ScalarAsync<long>("select sum(tickets_sold) from showtime_sales"));

        using var cache = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        await EventuallyAsync(() => LiveCacheAssert.MatchesDatabaseAsync(database, cache.GetDatabase()));
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task IngestionDoesNotWaitForTheLiveCacheAndTheCacheCatchesUpWithWhatWasStoredMeanwhile()
    {
        var ct = TestContext.Current.CancellationToken;
        var events = SaleEvents.Random(3_000, seed: 7);
        using var cache = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        // Another consumer is rebuilding the cache (it holds the rebuild lock) when this one starts.
        Assert.True(await cache.GetDatabase().LockTakeAsync(LiveKeys.RebuildLock, "another-consumer", TimeSpan.FromMinutes(2)));
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, EnableIdempotence = true }).Build();
        using var host = BuildConsumer();
        await host.StartAsync(ct);

        var announced = 0;
        await cache.GetSubscriber().SubscribeAsync(RedisChannel.Literal(LiveKeys.SalesUpdatedChannel), (_, _) => Interlocked.Increment(ref announced));
        Produce(producer, events.Take(2_000));
        await WaitForSalesAsync(2_000);     // stored without waiting for the cache
        Assert.False(await cache.GetDatabase().KeyExistsAsync(LiveKeys.Built));   // which the APIs do not read meanwhile
        Assert.Equal(HealthStatus.Healthy, await IngestionHealthAsync(host));
        // The APIs (reading PostgreSQL meanwhile) are still told that sales changed: the live view moves.
        await EventuallyAsync(() =>
        {
            Assert.True(Volatile.Read(ref announced) > 0, "no 'sales updated' notification while the cache waited for its rebuild");
            return Task.CompletedTask;
        });

        Assert.True(await cache.GetDatabase().LockReleaseAsync(LiveKeys.RebuildLock, "another-consumer"));
        Produce(producer, events.Skip(2_000));
        await WaitForSalesAsync(3_000);
        await EventuallyAsync(async () =>
        {
            Assert.True(await cache.GetDatabase().KeyExistsAsync(LiveKeys.Built));
            await LiveCacheAssert.MatchesDatabaseAsync(database, cache.GetDatabase());
        });
        Assert.False(await cache.GetDatabase().KeyExistsAsync(LiveKeys.RebuildLock));   // released after the rebuild
        await host.StopAsync(ct);
    }

    private IHost BuildConsumer() => ConsumerHost.Build(new Dictionary<string, string?>
    {
        [$"ConnectionStrings:{ConnectionNames.Kafka}"] = broker.BootstrapServers,
        [$"ConnectionStrings:{ConnectionNames.Database}"] = database.ConnectionString,
        [$"ConnectionStrings:{ConnectionNames.Redis}"] = redis.ConnectionString + ",abortConnect=false,connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000",
        ["Consumer:MaxBatchSize"] = "250",
        ["Consumer:CacheCheckInterval"] = "00:00:00.500",
    });

    private static async Task<HealthStatus> IngestionHealthAsync(IHost host) =>
        (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "ingestion", TestContext.Current.CancellationToken)).Status;

    private static void Produce(IProducer<string, byte[]> producer, IEnumerable<TicketSold> sales, bool flush = true)
    {
        foreach (var sale in sales)
        {
            producer.Produce(Topics.TicketSales, new Message<string, byte[]>
            {
                Key = sale.TheaterId.ToString(CultureInfo.InvariantCulture),
                Value = JsonSerializer.SerializeToUtf8Bytes(sale, ContractJson.Default.TicketSold),
            });
        }
        if (flush) Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    private async Task WaitForSalesAsync(long expected)
    {
        var watch = Stopwatch.StartNew();
        long count = 0;
        while (watch.Elapsed < Deadline)
        {
            try
            {
                count = await database.ScalarAsync<long>("select count(*) from sales");
                if (count >= expected) break;
            }
            catch (Npgsql.NpgsqlException)
            {
                // The test's own pool may hold connections from before a restart.
                Npgsql.NpgsqlConnection.ClearAllPools();
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        Assert.Equal(expected, count);
    }

    private static async Task EventuallyAsync(Func<Task> assertion)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await assertion();
                return;
            }
            catch (Exception) when (watch.Elapsed < Deadline)
            {
                await Task.Delay(200, TestContext.Current.CancellationToken);
            }
        }
    }
}
