using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aspire.Confluent.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>The consumer as it runs: real Kafka in, real PostgreSQL and Garnet out.</summary>
public sealed class ConsumerPipelineTests(PostgresFixture postgres, RedisFixture redis, KafkaFixture kafka)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private sealed record Pipeline(SalesDatabase Database, string Redis, string Topic, string GroupId, Dictionary<string, string?> Settings);

    private async Task<Pipeline> CreatePipelineAsync(string name, int maxBatchSize)
    {
        var database = await SalesDatabase.CreateAsync(postgres, name);
        var redisConnection = redis.CreateDatabase();
        var topic = kafka.CreateTopic(name, partitions: 4);
        var groupId = kafka.CreateGroupId(name);
        return new Pipeline(database, redisConnection, topic, groupId, new()
        {
            [$"ConnectionStrings:{ConnectionNames.Kafka}"] = kafka.BootstrapServers,
            [$"ConnectionStrings:{ConnectionNames.Database}"] = database.ConnectionString,
            [$"ConnectionStrings:{ConnectionNames.Redis}"] = redisConnection,
            ["Consumer:Topic"] = topic,
            ["Consumer:DeadLetterTopic"] = kafka.CreateTopic(name + "-dead"),
            ["Consumer:GroupId"] = groupId,
            ["Consumer:MaxBatchSize"] = maxBatchSize.ToString(CultureInfo.InvariantCulture),
            // A second member joining a group rebalances only after the session timeout (see KafkaFixture).
            ["Aspire:Confluent:Kafka:Consumer:Config:SessionTimeoutMs"] = "6000",
        });
    }

    private async Task ProduceAsync(string topic, IEnumerable<TicketSold> sales)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            EnableIdempotence = true,
            CompressionType = CompressionType.Lz4,
            LingerMs = 5,
        }).Build();
        foreach (var sale in sales)
        {
            producer.Produce(topic, new Message<string, byte[]>
            {
                Key = sale.TheaterId.ToString(CultureInfo.InvariantCulture),
                Value = JsonSerializer.SerializeToUtf8Bytes(sale, ContractJson.Default.TicketSold),
            });
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        await Task.CompletedTask;
    }

    private static async Task<long> WaitForSalesAsync(SalesDatabase database, long expected, Func<Task>? whileWaiting = null)
    {
        var deadline = Stopwatch.StartNew();
        long count;
        while ((count = await database.ScalarAsync<long>("select count(*) from sales")) < expected && deadline.Elapsed < Deadline)
        {
            if (whileWaiting is not null) await whileWaiting();
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        return count;
    }

    private static async Task AssertExactTotalsAsync(SalesDatabase database, IReadOnlyCollection<TicketSold> events)
    {
        Assert.Equal(events.Count, await database.ScalarAsync<long>("select count(*) from sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold), await database.ScalarAsync<long>("select sum(tickets_sold) from theater_daily_sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold * e.TicketPrice), await database.ScalarAsync<decimal>("select sum(revenue) from theater_daily_sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold * e.TicketPrice), await database.ScalarAsync<decimal>("select sum(revenue) from movie_daily_sales"));
        Assert.Equal(events.Sum(e => e.TicketsSold), await database.ScalarAsync<long>("select sum(tickets_sold) from showtime_sales"));
    }

    [Fact]
    public async Task EachBatchSpanLinksToTheSpansThatProducedItsFirstMessages()
    {
        var pipeline = await CreatePipelineAsync("batch_span_links", maxBatchSize: 100);
        await using var database = pipeline.Database;
        var events = SaleEvents.Random(300, seed: 5);
        var batchSpans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == IngestionMetrics.Name,
            Sample = (ref _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.DisplayName == $"{pipeline.Topic} process") batchSpans.Add(activity); },
        };
        ActivitySource.AddActivityListener(listener);
        var producedTraces = new HashSet<ActivityTraceId>();
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            foreach (var sale in events)
            {
                var produced = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
                producedTraces.Add(produced.TraceId);
                var headers = new Headers();
                KafkaTraceContext.Inject(produced, headers);
                producer.Produce(pipeline.Topic, new Message<string, byte[]>
                {
                    Key = sale.TheaterId.ToString(CultureInfo.InvariantCulture),
                    Value = JsonSerializer.SerializeToUtf8Bytes(sale, ContractJson.Default.TicketSold),
                    Headers = headers,
                });
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        using var host = ConsumerHost.Build(pipeline.Settings);
        await host.StartAsync(TestContext.Current.CancellationToken);
        Assert.Equal(events.Count, await WaitForSalesAsync(database, events.Count));
        await host.StopAsync(TestContext.Current.CancellationToken);

        Assert.NotEmpty(batchSpans);
        Assert.All(batchSpans, span =>
        {
            Assert.InRange(span.Links.Count(), 1, 32);
            Assert.All(span.Links, link => Assert.Contains(link.Context.TraceId, producedTraces));
        });
        Assert.Equal(events.Count, batchSpans.Sum(span => (int)span.GetTagItem("messaging.batch.message_count")!));
    }

    [Fact]
    public async Task TwoConsumersInOneGroupShareThePartitionsAndCountEverySaleOnce()
    {
        var pipeline = await CreatePipelineAsync("two_consumers", maxBatchSize: 200);
        await using var database = pipeline.Database;
        var events = SaleEvents.Random(8_000, seed: 21);

        using var first = ConsumerHost.Build(pipeline.Settings);
        using var second = ConsumerHost.Build(pipeline.Settings);
        await first.StartAsync(TestContext.Current.CancellationToken);
        await second.StartAsync(TestContext.Current.CancellationToken);
        var firstConsumer = first.Services.GetRequiredService<IConsumer<string, byte[]>>();
        var secondConsumer = second.Services.GetRequiredService<IConsumer<string, byte[]>>();
        var bothAssigned = false;
        await ProduceAsync(pipeline.Topic, events.Take(1_000));
        var watch = Stopwatch.StartNew();
        while (!(bothAssigned = firstConsumer.Assignment.Count > 0 && secondConsumer.Assignment.Count > 0) && watch.Elapsed < Deadline)
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        await ProduceAsync(pipeline.Topic, events.Skip(1_000));

        Assert.Equal(events.Count, await WaitForSalesAsync(database, events.Count));
        Assert.True(bothAssigned, "both consumers should have been assigned partitions");
        Assert.Equal(4, firstConsumer.Assignment.Count + secondConsumer.Assignment.Count);
        await first.StopAsync(TestContext.Current.CancellationToken);
        await second.StopAsync(TestContext.Current.CancellationToken);
        await AssertExactTotalsAsync(database, events);
    }

    [Fact]
    public async Task AConsumerKilledMidStreamAndRestartedLosesNothingAndCountsNothingTwice()
    {
        var pipeline = await CreatePipelineAsync("killed_consumer", maxBatchSize: 300);
        await using var database = pipeline.Database;
        var events = SaleEvents.Random(20_000, seed: 33);
        await ProduceAsync(pipeline.Topic, events);

        using (var doomed = ConsumerProcess.Start(pipeline.Settings))
        {
            var reached = await WaitForSalesAsync(database, 3_000, () => doomed.ThrowIfExited());
            Assert.InRange(reached, 3_000, events.Count - 1);   // killed mid-stream, not after it
            doomed.Kill();                                      // SIGKILL: no shutdown, no commit, batches in flight
        }

        using var survivor = ConsumerProcess.Start(pipeline.Settings);
        Assert.Equal(events.Count, await WaitForSalesAsync(database, events.Count, () => survivor.ThrowIfExited()));
        await AssertExactTotalsAsync(database, events);

        // And the live cache agrees with PostgreSQL once the survivor has settled.
        using var redisConnection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(pipeline.Redis);
        var db = redisConnection.GetDatabase();
        var date = events[0].SaleDate;
        var expected = await database.ScalarAsync<decimal>("select sum(revenue) from theater_daily_sales where sale_date = $1", date);
        var watch = Stopwatch.StartNew();
        decimal cached;
        do
        {
            cached = (decimal)(await db.SortedSetRangeByRankWithScoresAsync(Contracts.Live.LiveKeys.Theaters(date, Contracts.Live.LiveKeys.Measure.Revenue))).Sum(e => e.Score);
            if (Math.Round(cached, 2) == expected) break;
            await Task.Delay(100, TestContext.Current.CancellationToken);
        } while (watch.Elapsed < Deadline);
        Assert.Equal(expected, Math.Round(cached, 2));
    }
}
