using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Contracts;
using ReelMetrics.LocalInfrastructure.Kafka;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>
/// The consumer as it runs, over a broker of the test's own: losses are loud, a dead worker comes back without
/// losing its batch, dead letters reach their topic through the outbox.
/// </summary>
public sealed class ConsumerRobustnessTests(PostgresFixture postgres, RedisFixture redis)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);
    private const string SalesTopic = "sales";
    private const string DeadTopic = "sales-dead";
    private const string GroupId = "robustness";

    private static LocalKafkaBroker StartBroker(long maxPartitionBytes = LocalKafkaBrokerOptions.DefaultMaxPartitionBytes, int port = 0) =>
        LocalKafkaBroker.Start(new LocalKafkaBrokerOptions
        {
            Port = port,
            MaxPartitionBytes = maxPartitionBytes,
            Topics = [new LocalKafkaTopic(SalesTopic, 1), new LocalKafkaTopic(DeadTopic, 1)],
        });

    private IHost BuildConsumer(LocalKafkaBroker broker, SalesDatabase database, Action<IServiceCollection>? configure = null,
        params (string Key, string Value)[] settings)
    {
        var configuration = new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ConnectionNames.Kafka}"] = broker.BootstrapServers,
            [$"ConnectionStrings:{ConnectionNames.Database}"] = database.ConnectionString,
            [$"ConnectionStrings:{ConnectionNames.Redis}"] = redis.CreateDatabase(),
            ["Consumer:Topic"] = SalesTopic,
            ["Consumer:DeadLetterTopic"] = DeadTopic,
            ["Consumer:GroupId"] = GroupId,
            ["Consumer:MaxBatchSize"] = "200",
            ["Consumer:DeadLetterPublishInterval"] = "00:00:00.200",
        };
        foreach (var (key, value) in settings) configuration[key] = value;
        return ConsumerHost.Build(configuration, configure);
    }

    private static void Produce(LocalKafkaBroker broker, IEnumerable<byte[]> payloads)
    {
        // Small record batches: the broker's retention drops whole batches.
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, LingerMs = 5, BatchNumMessages = 20 }).Build();
        foreach (var payload in payloads) producer.Produce(SalesTopic, new Message<string, byte[]> { Key = "1", Value = payload });
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    private static IEnumerable<byte[]> Payloads(IEnumerable<TicketSold> sales) =>
        sales.Select(s => JsonSerializer.SerializeToUtf8Bytes(s, ContractJson.Default.TicketSold));

    private static async Task<long> WaitForAsync(Func<Task<long>> read, long expected)
    {
        var watch = Stopwatch.StartNew();
        long value;
        while ((value = await read()) < expected && watch.Elapsed < Deadline) await Task.Delay(100, TestContext.Current.CancellationToken);
        return value;
    }

    /// <summary>
    /// Waits until the broker holds the consumer group's committed offset <paramref name="expected"/> of the sales topic:
    /// a sale is stored before its offset is committed, so seeing it stored does not mean the broker knows yet.
    /// </summary>
    private static async Task<long> WaitForCommittedAsync(LocalKafkaBroker broker, long expected)
    {
        using var group = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = GroupId }).Build();
        var partition = new TopicPartition(SalesTopic, 0);
        return await WaitForAsync(() => Task.FromResult(group.Committed([partition], TimeSpan.FromSeconds(10))[0].Offset.Value), expected);
    }

    private static async Task<HealthReportEntry> IngestionHealthAsync(IHost host) =>
        (await host.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Name == "ingestion", TestContext.Current.CancellationToken)).Entries["ingestion"];

    [Fact]
    public async Task EventsTheBrokerDeletedBeforeTheyWereConsumedAreCountedAsLostAndHealthSaysSo()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = StartBroker(maxPartitionBytes: 32 * 1024);
        await using var database = await SalesDatabase.CreateAsync(postgres, "events_lost");
        var sales = SaleEvents.Random(3_000, seed: 41, maxTickets: 1);

        using (var first = BuildConsumer(broker, database))
        {
            await first.StartAsync(ct);
            Produce(broker, Payloads(sales.Take(20)));
            Assert.Equal(20, await WaitForAsync(() => database.ScalarAsync<long>("select count(*) from sales"), 20));
            await first.StopAsync(ct);   // commits, and leaves the group
        }

        // While nobody consumes, far more than the partition keeps is produced: the oldest record batches go.
        Produce(broker, Payloads(sales.Skip(20)));
        using var second = BuildConsumer(broker, database);
        await second.StartAsync(ct);
        using var admin = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "watermarks" }).Build();
        var watermarks = admin.QueryWatermarkOffsets(new TopicPartition(SalesTopic, 0), TimeSpan.FromSeconds(10));
        var kept = watermarks.High.Value - watermarks.Low.Value;
        Assert.True(kept > 0 && watermarks.Low.Value > 20, $"the broker should have dropped the oldest events and kept some: {watermarks}");

        Assert.Equal(20 + kept, await WaitForAsync(() => database.ScalarAsync<long>("select count(*) from sales"), 20 + kept));
        var health = await IngestionHealthAsync(second);
        Assert.Equal(HealthStatus.Unhealthy, health.Status);
        var lost = watermarks.Low.Value - 20;
        Assert.Equal(lost, (long)health.Data["events_lost"]);
        Assert.Contains($"{lost} events were lost", health.Description, StringComparison.Ordinal);
        Assert.Equal(sales.Count, 20 + kept + lost);
        await second.StopAsync(ct);
    }

    [Fact]
    public async Task OriginalFormatWavesBeforeAndAfterTheBrokerRestartsAllCountAndARedeliveryCountsOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var broker = StartBroker();
        var port = broker.Port;
        await using var database = await SalesDatabase.CreateAsync(postgres, "broker_restart_waves");
        var wave = Enumerable.Range(0, 150).Select(i => Encoding.UTF8.GetBytes(
            $$"""{"theater_name": "Regal LA Live", "movie_title": "Titanic", "sale_date": "2025-03-11", "ticket_price": 9.75, "tickets_sold": {{1 + i % 3}}}""")).ToList();
        var waveTickets = Enumerable.Range(0, 150).Sum(i => 1 + i % 3);
        Task<long> Tickets() => database.ScalarAsync<long>("select coalesce(sum(tickets_sold), 0) from theater_daily_sales where theater_id = 2");

        using var host = BuildConsumer(broker, database);
        await host.StartAsync(ct);
        try
        {
            Produce(broker, wave);
            Assert.Equal(waveTickets, await WaitForAsync(Tickets, waveTickets));
            Assert.Equal(wave.Count, await WaitForCommittedAsync(broker, wave.Count));

            // The local broker restarts empty (as when the AppHost restarts it): its offsets start over at 0.
            await broker.DisposeAsync();
            broker = StartBroker(port: port);
            Produce(broker, wave);
            Assert.Equal(2 * waveTickets, await WaitForAsync(Tickets, 2 * waveTickets));

            // The same messages read again (a consumer that rewinds, a rebalance) are recognised.
            var sales = await database.ScalarAsync<long>("select count(*) from sales");
            var processor = host.Services.GetRequiredService<ReelMetrics.Consumer.Ingestion.BatchProcessor>();
            using var reader = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = broker.BootstrapServers, GroupId = "redelivery", AutoOffsetReset = AutoOffsetReset.Earliest,
            }).Build();
            reader.Subscribe(SalesTopic);
            var again = new List<ReelMetrics.Consumer.Ingestion.RawMessage>();
            var watch = Stopwatch.StartNew();
            while (again.Count < wave.Count && watch.Elapsed < Deadline)
            {
                if (reader.Consume(TimeSpan.FromMilliseconds(500)) is { } r)
                {
                    again.Add(new(new(r.Topic, r.Partition.Value, r.Offset.Value), r.Message.Key, r.Message.Value, r.Message.Timestamp.UnixTimestampMs));
                }
            }
            reader.Close();
            var outcome = await processor.ProcessAsync(again, ct);
            Assert.Equal((0, wave.Count), (outcome.Stored, outcome.Duplicates));
            Assert.Equal(sales, await database.ScalarAsync<long>("select count(*) from sales"));
            Assert.Equal(2 * waveTickets, await Tickets());
            await host.StopAsync(ct);
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }

    [Fact]
    public async Task AConsumerPositionedPastARestartedBrokersNewLogReadsItFromTheBeginning()
    {
        var ct = TestContext.Current.CancellationToken;
        var broker = StartBroker();
        var port = broker.Port;
        await using var database = await SalesDatabase.CreateAsync(postgres, "broker_restart_past_log");
        var first = SaleEvents.Random(150, seed: 61);
        var after = SaleEvents.Random(300, seed: 62);
        Task<long> Sales() => database.ScalarAsync<long>("select count(*) from sales");

        using var host = BuildConsumer(broker, database);
        await host.StartAsync(ct);
        try
        {
            Produce(broker, Payloads(first));
            Assert.Equal(first.Count, await WaitForAsync(Sales, first.Count));
            Assert.Equal(first.Count, await WaitForCommittedAsync(broker, first.Count));

            // The consumer fetches nothing while the broker restarts empty and takes more new sales than it had read
            // (so its position, 150, lies inside the new log instead of past its end, where the broker would tell it).
            var consumer = host.Services.GetRequiredService<IConsumer<string, byte[]>>();
            var assignment = consumer.Assignment;
            consumer.Pause(assignment);
            await broker.DisposeAsync();
            broker = StartBroker(port: port);
            Produce(broker, Payloads(after));
            consumer.Resume(assignment);

            Assert.Equal(first.Count + after.Count, await WaitForAsync(Sales, first.Count + after.Count));
            Assert.Equal(first.Concat(after).Sum(s => s.TicketsSold),
                await database.ScalarAsync<long>("select sum(tickets_sold) from theater_daily_sales"));
            await host.StopAsync(ct);
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }

    [Fact]
    public async Task AWorkerThatDiesIsRestartedInProcessFromTheCommittedOffsetsAndLosesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = StartBroker();
        await using var database = await SalesDatabase.CreateAsync(postgres, "worker_restart");
        var sales = SaleEvents.Random(2_000, seed: 43);
        Produce(broker, Payloads(sales));

        // The client fails fatally once, in the middle of collecting a batch (messages already taken from it are in hand).
        var failures = 0;
        using var host = BuildConsumer(broker, database, services => FailingConsumer.Replace(services, call => call == 250 && Interlocked.Increment(ref failures) == 1));
        await host.StartAsync(ct);

        Assert.Equal(sales.Count, await WaitForAsync(() => database.ScalarAsync<long>("select count(*) from sales"), sales.Count));
        Assert.Equal(1, failures);
        Assert.Equal(sales.Sum(s => s.TicketsSold), await database.ScalarAsync<long>("select sum(tickets_sold) from theater_daily_sales"));
        Assert.Equal(sales.Sum(s => s.TicketsSold * s.TicketPrice), await database.ScalarAsync<decimal>("select sum(revenue) from theater_daily_sales"));
        Assert.Equal(HealthStatus.Healthy, (await IngestionHealthAsync(host)).Status);   // it said so while restarting, and recovered
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task DeadLettersReachTheirTopicFromTheTableAndOneTooLargeForTheBrokerGoesWithoutItsPayload()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var broker = StartBroker();
        await using var database = await SalesDatabase.CreateAsync(postgres, "dead_letter_outbox");
        byte[][] bad = ["not json"u8.ToArray(), Encoding.UTF8.GetBytes("""{"theater_name": "Nowhere\u0000", "movie_title": "Titanic", "sale_date": "2025-03-11", "ticket_price": 9.75, "tickets_sold": 3}"""), [.. Enumerable.Repeat((byte)'x', 20_000)]];
        // The dead-letter producer accepts at most 10,000 bytes: the third letter does not fit.
        using var host = BuildConsumer(broker, database, settings: ("Aspire:Confluent:Kafka:Producer:Config:MessageMaxBytes", "10000"));
        await host.StartAsync(ct);
        Produce(broker, bad);

        Assert.Equal(bad.Length, await WaitForAsync(() => database.ScalarAsync<long>("select count(*) from dead_letters where published_at is not null"), bad.Length));

        using var reader = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers, GroupId = "dead-letter-reader", AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        reader.Subscribe(DeadTopic);
        var received = new List<ConsumeResult<string, byte[]>>();
        var watch = Stopwatch.StartNew();
        while (received.Count < bad.Length && watch.Elapsed < Deadline)
        {
            if (reader.Consume(TimeSpan.FromMilliseconds(500)) is { } result) received.Add(result);
        }
        reader.Close();

        string Header(ConsumeResult<string, byte[]> r, string name) =>
            r.Message.Headers.TryGetLastBytes(name, out var value) ? Encoding.UTF8.GetString(value) : "";
        Assert.Equal(bad.Length, received.Count);
        Assert.Equal(["invalid_json", "invalid_json", "unknown_theater"], received.Select(r => Header(r, "reason")).Order());
        Assert.Contains(received, r => r.Message.Value.SequenceEqual(bad[0]));
        Assert.Contains(received, r => r.Message.Value.SequenceEqual(bad[1]));
        var omitted = Assert.Single(received, r => Header(r, "payload_omitted") != "");
        Assert.Equal(bad[2].Length.ToString(CultureInfo.InvariantCulture), Header(omitted, "payload_omitted"));
        Assert.Empty(omitted.Message.Value);
        Assert.Equal(bad[2], await database.ScalarAsync<byte[]>("select payload from dead_letters where length(payload) = 20000"));
        await host.StopAsync(ct);
    }

    /// <summary>Wraps the registered consumer so that <c>Consume</c> throws a fatal error when <paramref name="fail"/> says so.</summary>
    [SuppressMessage("Performance", "CA1852", Justification = "DispatchProxy.Create refuses a sealed proxy type.")]
    private class FailingConsumer : DispatchProxy
    {
        private IConsumer<string, byte[]> inner = null!;
        private Func<int, bool> fail = null!;
        private int calls;

        public static void Replace(IServiceCollection services, Func<int, bool> fail)
        {
            var registration = services.Single(d => d.ServiceType == typeof(IConsumer<string, byte[]>));
            services.Remove(registration);
            services.AddSingleton(sp =>
            {
                var proxy = Create<IConsumer<string, byte[]>, FailingConsumer>();
                var failing = (FailingConsumer)(object)proxy;
                failing.inner = (IConsumer<string, byte[]>)registration.ImplementationFactory!(sp);
                failing.fail = fail;
                return proxy;
            });
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            if (targetMethod!.Name == nameof(IConsumer<string, byte[]>.Consume) && fail(Interlocked.Increment(ref calls)))
            {
                throw new ConsumeException(new ConsumeResult<byte[], byte[]>(), new Error(ErrorCode.Local_Fatal, "injected fatal error", isFatal: true));
            }
            try
            {
                return targetMethod.Invoke(inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException;
            }
        }
    }
}
