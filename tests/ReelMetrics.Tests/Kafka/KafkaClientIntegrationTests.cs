using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using Aspire.Confluent.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Kafka;

/// <summary>The service defaults' Kafka client integration against the local broker: registration, binding, health, telemetry.</summary>
public sealed class KafkaClientIntegrationTests(KafkaFixture kafka)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Registered_producer_and_consumer_deliver_messages()
    {
        var topic = kafka.CreateTopic("registered", partitions: 2);
        var builder = NewBuilder(
            ("ConnectionStrings:kafka", kafka.BootstrapServers),
            ("Aspire:Confluent:Kafka:Producer:Config:Acks", "All"),
            ("Aspire:Confluent:Kafka:Producer:Config:EnableIdempotence", "true"),
            ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", kafka.CreateGroupId()),
            ("Aspire:Confluent:Kafka:Consumer:Config:AutoOffsetReset", "Earliest"),
            ("Aspire:Confluent:Kafka:Consumer:Config:EnableAutoCommit", "false"));
        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddKafkaConsumer<string, string>("kafka");
        using var host = builder.Build();

        var producer = host.Services.GetRequiredService<IProducer<string, string>>();
        var consumer = host.Services.GetRequiredService<IConsumer<string, string>>();
        Assert.Same(producer, host.Services.GetRequiredService<IProducer<string, string>>());

        var sent = Enumerable.Range(0, 50).Select(i => $"ticket-{i}").ToList();
        foreach (var value in sent)
        {
            var result = await producer.ProduceAsync(topic, new Message<string, string> { Key = value, Value = value }, Cancellation);
            Assert.Equal(PersistenceStatus.Persisted, result.Status);
        }

        consumer.Subscribe(topic);
        var received = Eventually.Consume(consumer, sent.Count, Deadline);
        Assert.Equal(sent.Order(), received.Select(r => r.Message.Value).Order());
        consumer.Commit();
        consumer.Close();
    }

    [Fact]
    public async Task Publish_span_context_travels_in_traceparent_and_parents_the_receive_span()
    {
        var topic = kafka.CreateTopic("traced");
        var stopped = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == KafkaTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var builder = NewBuilder(
            ("ConnectionStrings:kafka", kafka.BootstrapServers),
            ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", kafka.CreateGroupId()),
            ("Aspire:Confluent:Kafka:Consumer:Config:AutoOffsetReset", "Earliest"));
        builder.AddKafkaProducer<Null, string>("kafka");
        builder.AddKafkaConsumer<Null, string>("kafka");
        using var host = builder.Build();
        var producer = host.Services.GetRequiredService<IProducer<Null, string>>();
        var consumer = host.Services.GetRequiredService<IConsumer<Null, string>>();

        var delivered = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "traced" }, Cancellation);
        Assert.Null(Activity.Current); // producing leaves the caller's current activity alone

        var publish = Assert.Single(stopped, a => a.DisplayName == $"{topic} publish");
        Assert.Equal(ActivityKind.Producer, publish.Kind);
        Assert.Equal(topic, publish.GetTagItem("messaging.destination.name"));
        Assert.Equal("kafka", publish.GetTagItem("messaging.system"));

        consumer.Subscribe(topic);
        var result = Assert.Single(Eventually.Consume(consumer, 1, Deadline));
        Assert.Equal(delivered.Offset, result.Offset);

        Assert.True(result.Message.Headers.TryGetLastBytes(KafkaTraceContext.TraceParentHeader, out var traceParent));
        Assert.Equal(publish.Id, Encoding.ASCII.GetString(traceParent));
        var extracted = KafkaTraceContext.Extract(result.Message.Headers);
        Assert.Equal((publish.TraceId, publish.SpanId), (extracted.TraceId, extracted.SpanId));
        Assert.True(extracted.IsRemote);

        var receive = Assert.Single(stopped, a => a.DisplayName == $"{topic} receive");
        Assert.Equal(ActivityKind.Consumer, receive.Kind);
        Assert.Equal(publish.TraceId, receive.TraceId);
        Assert.Equal(publish.SpanId, receive.ParentSpanId);
        Assert.Contains(receive.Links, link => link.Context.SpanId == publish.SpanId && link.Context.TraceId == publish.TraceId);
        Assert.Equal(result.Offset.Value, receive.GetTagItem("messaging.kafka.offset"));
        consumer.Close();
    }

    [Fact]
    public void Trace_context_helpers_round_trip_and_ignore_missing_or_malformed_headers()
    {
        var context = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, "vendor=value");
        var headers = new Headers { { KafkaTraceContext.TraceParentHeader, "stale"u8.ToArray() } };

        KafkaTraceContext.Inject(context, headers);
        Assert.Single(headers, h => h.Key == KafkaTraceContext.TraceParentHeader);
        var extracted = KafkaTraceContext.Extract(headers);
        Assert.Equal((context.TraceId, context.SpanId, context.TraceFlags, context.TraceState), (extracted.TraceId, extracted.SpanId, extracted.TraceFlags, extracted.TraceState));

        Assert.Equal(default, KafkaTraceContext.Extract(null));
        Assert.Equal(default, KafkaTraceContext.Extract([]));
        Assert.False(KafkaTraceContext.TryExtract(new Headers { { KafkaTraceContext.TraceParentHeader, "00-nonsense"u8.ToArray() } }, out _));

        var untouched = new Headers();
        KafkaTraceContext.Inject((Activity?)null, untouched);
        Assert.Empty(untouched);
    }

    [Fact]
    public void Settings_bind_general_then_named_sections_then_the_connection_string()
    {
        KafkaProducerSettings? bound = null;
        var builder = NewBuilder(
            ("Aspire:Confluent:Kafka:Producer:DisableTracing", "true"),
            ("Aspire:Confluent:Kafka:Producer:Config:Acks", "Leader"),
            ("Aspire:Confluent:Kafka:Producer:Config:LingerMs", "10"),
            ("Aspire:Confluent:Kafka:Producer:Config:BootstrapServers", "general:1"),
            ("Aspire:Confluent:Kafka:Producer:sales:Config:LingerMs", "20"),
            ("Aspire:Confluent:Kafka:Producer:sales:Config:BootstrapServers", "named:2"),
            ("Aspire:Confluent:Kafka:Producer:sales:Config:queue.buffering.max.messages", "12345"),
            ("Aspire:Confluent:Kafka:Producer:sales:DisableHealthChecks", "true"),
            ("ConnectionStrings:sales", "from-connection-string:9092"));

        builder.AddKafkaProducer<string, string>("sales", settings => bound = settings);

        Assert.NotNull(bound);
        Assert.Equal(Acks.Leader, bound.Config.Acks);                 // general section
        Assert.Equal(20, bound.Config.LingerMs);                       // named section overrides general
        Assert.Equal("12345", bound.Config.Get("queue.buffering.max.messages")); // librdkafka key passed through
        Assert.True(bound.DisableTracing);
        Assert.True(bound.DisableHealthChecks);
        Assert.False(bound.DisableMetrics);
        Assert.Equal("from-connection-string:9092", bound.ConnectionString);
        Assert.Equal("from-connection-string:9092", bound.Config.BootstrapServers); // the connection string wins

        // Without a connection string the sections' bootstrap servers stay.
        KafkaConsumerSettings? consumer = null;
        var other = NewBuilder(
            ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", "general-group"),
            ("Aspire:Confluent:Kafka:Consumer:Config:AutoOffsetReset", "Earliest"),
            ("Aspire:Confluent:Kafka:Consumer:events:Config:GroupId", "named-group"),
            ("Aspire:Confluent:Kafka:Consumer:events:Config:BootstrapServers", "named:3"));
        other.AddKafkaConsumer<string, string>("events", settings => consumer = settings);
        Assert.NotNull(consumer);
        Assert.Equal("named-group", consumer.Config.GroupId);
        Assert.Equal(AutoOffsetReset.Earliest, consumer.Config.AutoOffsetReset);
        Assert.Equal("named:3", consumer.Config.BootstrapServers);
    }

    [Fact]
    public void Configure_settings_runs_after_configuration()
    {
        var builder = NewBuilder(
            ("ConnectionStrings:kafka", "configured:1"),
            ("Aspire:Confluent:Kafka:Producer:Config:LingerMs", "10"));
        KafkaProducerSettings? bound = null;
        builder.AddKafkaProducer<string, string>("kafka", settings =>
        {
            settings.Config.LingerMs = 50;
            settings.ConnectionString = "code:2";
            bound = settings;
        });
        Assert.Equal(50, bound!.Config.LingerMs);
        Assert.Equal("code:2", bound.Config.BootstrapServers);
    }

    [Fact]
    public void Missing_bootstrap_servers_or_group_id_throw_at_registration()
    {
        var producerError = Assert.Throws<InvalidOperationException>(() => NewBuilder().AddKafkaProducer<string, string>("kafka"));
        Assert.Contains("ConnectionStrings:kafka", producerError.Message);

        var consumerError = Assert.Throws<InvalidOperationException>(() => NewBuilder().AddKafkaConsumer<string, string>("kafka"));
        Assert.Contains("ConnectionStrings:kafka", consumerError.Message);

        var groupError = Assert.Throws<InvalidOperationException>(() =>
            NewBuilder(("ConnectionStrings:kafka", kafka.BootstrapServers)).AddKafkaConsumer<string, string>("kafka"));
        Assert.Contains("GroupId", groupError.Message);
    }

    [Fact]
    public async Task Health_checks_follow_the_broker_down_and_up_again()
    {
        await using var broker = KafkaFixture.StartPrivateBroker();
        var builder = NewBuilder(
            ("ConnectionStrings:kafka", broker.BootstrapServers),
            ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", "health"),
            // librdkafka backs off reconnects up to reconnect.backoff.max.ms (10 s by default).
            ("Aspire:Confluent:Kafka:Producer:Config:ReconnectBackoffMaxMs", "1000"),
            ("Aspire:Confluent:Kafka:Consumer:Config:ReconnectBackoffMaxMs", "1000"));
        builder.AddKafkaProducer<string, string>("kafka");
        builder.AddKafkaConsumer<string, string>("kafka");
        using var host = builder.Build();
        var health = host.Services.GetRequiredService<HealthCheckService>();

        async Task<HealthReport> ReadinessAsync()
        {
            var started = Stopwatch.StartNew();
            var report = await health.CheckHealthAsync(r => r.Tags.Contains(KafkaClientExtensions.ReadyTag), Cancellation);
            Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), $"a health check took {started.Elapsed}");
            return report;
        }

        var up = await ReadinessAsync();
        Assert.Equal(HealthStatus.Healthy, up.Status);
        Assert.Equal(new[] { "kafka-consumer-kafka", "kafka-producer-kafka" }, up.Entries.Keys.Order());

        broker.SetDown();
        // Each check may answer from its one-second cache at first; then both report the outage.
        await Eventually.TrueAsync(
            async () => (await ReadinessAsync()).Entries.Values.All(e => e.Status == HealthStatus.Unhealthy),
            Deadline, "both checks Unhealthy after SetDown");

        broker.SetUp();
        await Eventually.TrueAsync(async () => (await ReadinessAsync()).Status == HealthStatus.Healthy, Deadline, "Healthy after SetUp");
    }

    [Fact]
    public async Task Two_registered_consumers_in_one_group_split_the_partitions()
    {
        var topic = kafka.CreateTopic("split", partitions: 4);
        var group = kafka.CreateGroupId();
        const int Count = 400;

        using var producerHost = Build(NewBuilder(("ConnectionStrings:kafka", kafka.BootstrapServers)), b => b.AddKafkaProducer<string, string>("kafka"));
        var producer = producerHost.Services.GetRequiredService<IProducer<string, string>>();
        for (var i = 0; i < Count; i++)
        {
            producer.Produce(topic, new Message<string, string> { Key = $"key-{i}", Value = $"{i}" });
        }
        Assert.Equal(0, producer.Flush(Deadline));

        IHost ConsumerHost() => Build(
            NewBuilder(
                ("ConnectionStrings:kafka", kafka.BootstrapServers),
                ("Aspire:Confluent:Kafka:Consumer:Config:GroupId", group),
                ("Aspire:Confluent:Kafka:Consumer:Config:AutoOffsetReset", "Earliest"),
                ("Aspire:Confluent:Kafka:Consumer:Config:EnableAutoCommit", "false"),
                // The mock broker completes a classic-protocol rebalance that a new member starts only after
                // session.timeout.ms - 1 s, even when every member has rejoined: keep it short (Kafka's minimum).
                ("Aspire:Confluent:Kafka:Consumer:Config:SessionTimeoutMs", "6000"),
                ("Aspire:Confluent:Kafka:Consumer:Config:HeartbeatIntervalMs", "1000")),
            b => b.AddKafkaConsumer<string, string>("kafka"));
        using var firstHost = ConsumerHost();
        using var secondHost = ConsumerHost();
        var consumers = new[] { firstHost, secondHost }.Select(h => h.Services.GetRequiredService<IConsumer<string, string>>()).ToArray();

        // Each member consumes on its own thread until both hold an assignment and all messages are in.
        var received = new ConcurrentDictionary<int, ConcurrentBag<ConsumeResult<string, string>>>();
        var assignments = new List<TopicPartition>[2];
        using var stop = new CancellationTokenSource(Deadline);
        var loops = consumers.Select((consumer, index) => Task.Run(() =>
        {
            consumer.Subscribe(topic);
            var mine = received.GetOrAdd(index, _ => []);
            while (!stop.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                {
                    mine.Add(result);
                    try
                    {
                        consumer.Commit(result);
                    }
                    catch (KafkaException e) when (e.Error.Code is ErrorCode.RebalanceInProgress or ErrorCode.IllegalGeneration)
                    {
                        // The group is rebalancing; the partition's new owner may see this message again.
                    }
                }
                assignments[index] = consumer.Assignment;
                // Distinct values: a rebalance can deliver a message twice, and duplicates must not end the wait early.
                if (assignments.All(a => a is { Count: > 0 })
                    && received.Values.SelectMany(b => b).Select(r => r.Message.Value).Distinct().Count() >= Count)
                {
                    stop.Cancel();
                }
            }
        }, Cancellation)).ToArray();
        await Task.WhenAll(loops);

        Assert.All(assignments, a => Assert.NotEmpty(a));
        Assert.Empty(assignments[0].Intersect(assignments[1]));
        Assert.Equal(4, assignments[0].Union(assignments[1]).Count());
        // Every message arrived; one may have arrived twice if a rebalance moved its partition before its commit.
        Assert.Equal(Count, received.Values.SelectMany(b => b).Select(r => r.Message.Value).Distinct().Count());
        foreach (var consumer in consumers)
        {
            consumer.Close();
        }
    }

    [Fact]
    public async Task Metrics_count_messages_and_report_librdkafka_statistics_without_losing_the_apps_handler()
    {
        var topic = kafka.CreateTopic("metered", partitions: 2);
        var connection = $"metrics-{Guid.NewGuid():N}";
        var longs = new ConcurrentQueue<(string Instrument, long Value, Dictionary<string, object?> Tags)>();
        var doubles = new ConcurrentQueue<(string Instrument, double Value, Dictionary<string, object?> Tags)>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == KafkaTelemetry.Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => longs.Enqueue((instrument.Name, value, ToDictionary(tags))));
        meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => doubles.Enqueue((instrument.Name, value, ToDictionary(tags))));
        meterListener.Start();

        var applicationStatistics = 0;
        var builder = NewBuilder(
            ($"ConnectionStrings:{connection}", kafka.BootstrapServers),
            ($"Aspire:Confluent:Kafka:Producer:{connection}:Config:StatisticsIntervalMs", "100"),
            ($"Aspire:Confluent:Kafka:Consumer:{connection}:Config:StatisticsIntervalMs", "100"),
            ($"Aspire:Confluent:Kafka:Consumer:{connection}:Config:GroupId", kafka.CreateGroupId()),
            ($"Aspire:Confluent:Kafka:Consumer:{connection}:Config:AutoOffsetReset", "Earliest"));
        builder.AddKafkaProducer<Null, string>(connection,
            configureBuilder: b => b.SetStatisticsHandler((_, json) => Interlocked.Increment(ref applicationStatistics)));
        builder.AddKafkaConsumer<Null, string>(connection);
        using var host = builder.Build();
        var producer = host.Services.GetRequiredService<IProducer<Null, string>>();
        var consumer = host.Services.GetRequiredService<IConsumer<Null, string>>();

        const int Count = 25;
        for (var i = 0; i < Count; i++)
        {
            await producer.ProduceAsync(topic, new Message<Null, string> { Value = $"m{i}" }, Cancellation);
        }
        consumer.Subscribe(topic);
        Assert.Equal(Count, Eventually.Consume(consumer, Count, Deadline).Count);
        consumer.Commit();

        bool Mine(Dictionary<string, object?> tags) => Equals(tags.GetValueOrDefault("messaging.destination.name"), topic);
        Assert.Equal(Count, longs.Where(m => m.Instrument == "messaging.publish.messages" && Mine(m.Tags)).Sum(m => m.Value));
        Assert.Equal(Count, longs.Where(m => m.Instrument == "messaging.receive.messages" && Mine(m.Tags)).Sum(m => m.Value));
        Assert.Equal(Count, doubles.Count(m => m.Instrument == "messaging.publish.duration" && Mine(m.Tags)));
        Assert.Equal(Count, doubles.Count(m => m.Instrument == "messaging.receive.duration" && Mine(m.Tags)));
        Assert.All(doubles.Where(m => m.Instrument.EndsWith(".duration", StringComparison.Ordinal) && Mine(m.Tags)), m => Assert.InRange(m.Value, 0, 60));

        // librdkafka statistics: gauges and counters per client, lag per partition once offsets are committed.
        bool Observed(string instrument, Func<Dictionary<string, object?>, bool>? where = null)
        {
            // A consumer's statistics (like its other callbacks) are served from inside Consume: keep polling.
            Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(20)));
            meterListener.RecordObservableInstruments();
            return longs.Any(m => m.Instrument == instrument
                                  && Equals(m.Tags.GetValueOrDefault("messaging.kafka.connection.name"), connection)
                                  && (where is null || where(m.Tags)));
        }
        await Eventually.TrueAsync(() => Observed("messaging.kafka.producer.queue.message_count"), Deadline, "the producer queue gauge");
        await Eventually.TrueAsync(() => Observed("messaging.kafka.producer.queue.size"), Deadline, "the producer queue size gauge");
        await Eventually.TrueAsync(() => Observed("messaging.kafka.consumer.queue.message_count"), Deadline, "the consumer queue gauge");
        await Eventually.TrueAsync(() => Observed("messaging.kafka.network.transmitted"), Deadline, "the bytes-sent counter");
        await Eventually.TrueAsync(() => Observed("messaging.kafka.network.received"), Deadline, "the bytes-received counter");
        await Eventually.TrueAsync(() => Observed("messaging.kafka.consumer.lag", tags => Mine(tags)), Deadline, "consumer lag of the topic");
        Assert.True(Volatile.Read(ref applicationStatistics) > 0, "the application's own statistics handler ran too");
        consumer.Close();
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>(tags.Length);
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value;
        }
        return dictionary;
    }

    private static HostApplicationBuilder NewBuilder(params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        return builder;
    }

    private static IHost Build(HostApplicationBuilder builder, Action<HostApplicationBuilder> register)
    {
        register(builder);
        return builder.Build();
    }
}
