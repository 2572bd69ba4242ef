using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using ReelMetrics.LocalInfrastructure;
using ReelMetrics.LocalInfrastructure.Kafka;
using ReelMetrics.Tests.Fixtures;
using ReelMetrics.Tests.LocalInfrastructure;

namespace ReelMetrics.Tests.Kafka;

/// <summary>The local broker with real Confluent clients: producing, consumer groups, offsets, outages, throughput.</summary>
public sealed class LocalKafkaBrokerTests(KafkaFixture kafka)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static ITestOutputHelper? TestOutput => TestContext.Current.TestOutputHelper;

    [Fact]
    public async Task Idempotent_producer_and_group_consumer_with_manual_commits_work_through_the_forwarder()
    {
        var topic = kafka.CreateTopic("roundtrip", partitions: 3);
        var group = kafka.CreateGroupId();
        const int Count = 1_000;

        using (var producer = Quiet(new ProducerBuilder<string, string>(ProducerConfig(kafka.BootstrapServers))).Build())
        {
            var deliveries = Enumerable.Range(0, Count)
                .Select(i => producer.ProduceAsync(topic, new Message<string, string> { Key = $"k{i % 10}", Value = $"v{i}" }, TestContext.Current.CancellationToken));
            var results = await Task.WhenAll(deliveries);
            Assert.All(results, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
            Assert.Equal(3, results.Select(r => r.Partition.Value).Distinct().Count());
        }

        using (var consumer = Quiet(new ConsumerBuilder<string, string>(ConsumerConfig(kafka.BootstrapServers, group))).Build())
        {
            consumer.Subscribe(topic);
            var received = Eventually.Consume(consumer, Count, Deadline);
            Assert.Equal(Enumerable.Range(0, Count).Select(i => $"v{i}").Order(), received.Select(r => r.Message.Value).Order());
            consumer.Commit(received.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)));
            consumer.Close();
        }

        // Another member of the group (another client instance) sees the committed offsets.
        using var next = Quiet(new ConsumerBuilder<string, string>(ConsumerConfig(kafka.BootstrapServers, group))).Build();
        var committed = next.Committed(Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        Assert.Equal(Count, committed.Sum(c => c.Offset.Value));
    }

    [Fact]
    public void Forwarder_carries_100000_messages_each_way()
    {
        var topic = kafka.CreateTopic("bulk", partitions: 4);
        const int Count = 100_000;
        var config = ProducerConfig(kafka.BootstrapServers);
        config.LingerMs = 5;
        config.BatchSize = 1_000_000;

        var produceTime = Stopwatch.StartNew();
        long delivered = 0, failed = 0;
        using (var producer = Quiet(new ProducerBuilder<Null, byte[]>(config)).Build())
        {
            var value = new byte[24];
            for (var i = 0; i < Count; i++)
            {
                BitConverter.TryWriteBytes(value, i);
                producer.Produce(topic, new Message<Null, byte[]> { Value = value }, report =>
                {
                    if (report.Error.IsError)
                    {
                        Interlocked.Increment(ref failed);
                    }
                    else
                    {
                        Interlocked.Increment(ref delivered);
                    }
                });
            }
            Assert.Equal(0, producer.Flush(Deadline));
        }
        produceTime.Stop();
        Assert.Equal(0, failed);
        Assert.Equal(Count, delivered);

        var consumeTime = Stopwatch.StartNew();
        var seen = new bool[Count];
        var received = 0;
        using (var consumer = Quiet(new ConsumerBuilder<Null, byte[]>(ConsumerConfig(kafka.BootstrapServers, kafka.CreateGroupId()))).Build())
        {
            consumer.Subscribe(topic);
            var deadline = DateTime.UtcNow + Deadline;
            while (received < Count && DateTime.UtcNow < deadline)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
                if (result is null)
                {
                    continue;
                }
                var index = BitConverter.ToInt32(result.Message.Value);
                Assert.False(seen[index], $"message {index} arrived twice");
                seen[index] = true;
                received++;
            }
            consumer.Close();
        }
        consumeTime.Stop();

        Assert.Equal(Count, received);
        TestOutput?.WriteLine($"produced {Count} in {produceTime.Elapsed.TotalSeconds:0.00} s ({Count / produceTime.Elapsed.TotalSeconds:0} msg/s), " +
                          $"consumed in {consumeTime.Elapsed.TotalSeconds:0.00} s ({Count / consumeTime.Elapsed.TotalSeconds:0} msg/s)");
    }

    [Fact]
    public async Task SetDown_makes_the_broker_unreachable_and_SetUp_brings_it_back_with_its_data()
    {
        await using var broker = KafkaFixture.StartPrivateBroker(topics: new LocalKafkaTopic("outage", 2));
        using var producer = Quiet(new ProducerBuilder<Null, string>(ProducerConfig(broker.BootstrapServers))).Build();
        for (var i = 0; i < 100; i++)
        {
            await producer.ProduceAsync("outage", new Message<Null, string> { Value = $"before-{i}" }, TestContext.Current.CancellationToken);
        }

        broker.SetDown();
        Assert.True(broker.IsDown);

        var refused = Assert.Throws<SocketException>(() =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Connect(IPAddress.Loopback, broker.Port);
        });
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        var output = TestOutput;
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers })
                   .SetLogHandler((_, m) => Write(output, $"{m.Name} {m.Facility}: {m.Message}")).Build())
        {
            Assert.ThrowsAny<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(2)));
        }

        // A message produced during the outage waits in the producer and is delivered after it.
        var during = producer.ProduceAsync("outage", new Message<Null, string> { Value = "during" }, TestContext.Current.CancellationToken);

        broker.SetUp();
        Assert.False(broker.IsDown);
        var result = await during.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        Assert.Equal(PersistenceStatus.Persisted, result.Status);

        using var consumer = Quiet(new ConsumerBuilder<Null, string>(ConsumerConfig(broker.BootstrapServers, "after-outage"))).Build();
        consumer.Subscribe("outage");
        var values = Eventually.Consume(consumer, 101, Deadline).Select(r => r.Message.Value).ToList();
        Assert.Equal(101, values.Count);
        Assert.Equal(100, values.Count(v => v.StartsWith("before-", StringComparison.Ordinal)));
        Assert.Contains("during", values);
        consumer.Close();
    }

    [Fact]
    public async Task A_fixed_port_is_used_and_a_taken_port_is_refused()
    {
        var port = FreePort.Next();
        await using var broker = KafkaFixture.StartPrivateBroker(port);

        Assert.Equal(port, broker.Port);
        Assert.Equal($"127.0.0.1:{port}", broker.BootstrapServers);
        Assert.Throws<SocketException>(() => KafkaFixture.StartPrivateBroker(port));

        // Metadata sends clients to the forwarder, not to the mock cluster's own ephemeral listener.
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(10));
        var advertised = Assert.Single(metadata.Brokers);
        Assert.Equal(("127.0.0.1", port), (advertised.Host, advertised.Port));
    }

    [Fact]
    public async Task Clients_can_also_bootstrap_from_localhost()
    {
        var topic = kafka.CreateTopic("localhost");
        using var producer = Quiet(new ProducerBuilder<Null, string>(ProducerConfig($"localhost:{kafka.Broker.Port}"))).Build();
        var result = await producer.ProduceAsync(topic, new Message<Null, string> { Value = "hello" }, TestContext.Current.CancellationToken);
        Assert.Equal(PersistenceStatus.Persisted, result.Status);
    }

    [Fact]
    public void Topics_are_created_with_their_partitions_and_creating_one_again_is_harmless()
    {
        var topic = kafka.CreateTopic("partitions", partitions: 6);
        kafka.Broker.CreateTopic(topic, 6);

        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        Assert.Equal(6, Assert.Single(metadata.Topics).Partitions.Count);
        Assert.Contains(kafka.Broker.Topics, t => t == new LocalKafkaTopic(topic, 6));
    }

    [Theory]
    [InlineData("sales", "sales", 1)]
    [InlineData("ticket_purchases:4", "ticket_purchases", 4)]
    public void Topic_arguments_parse(string text, string name, int partitions) =>
        Assert.Equal(new LocalKafkaTopic(name, partitions), LocalKafkaTopic.Parse(text));

    [Theory]
    [InlineData("sales:0")]
    [InlineData("sales:x")]
    [InlineData(":3")]
    public void Bad_topic_arguments_are_rejected(string text) =>
        Assert.Throws<FormatException>(() => LocalKafkaTopic.Parse(text));

    [Fact]
    public async Task Kafka_command_serves_other_processes_until_SIGTERM_then_exits_0()
    {
        var port = FreePort.Next();
        using var command = KafkaCommandProcess.Start("kafka", "--port", $"{port}", "--topic", "commanded:2");
        await command.WaitForLineAsync("Ready:");
        Assert.Contains($"127.0.0.1:{port}", command.Output);
        await command.WaitForLineAsync("commanded (2 partitions)");   // the topics are listed right after the Ready line

        var bootstrap = $"127.0.0.1:{port}";
        using (var producer = Quiet(new ProducerBuilder<Null, string>(ProducerConfig(bootstrap))).Build())
        {
            // Each partition named: keyless sales may all stick to one partition (librdkafka's sticky partitioner), which
            // made the count of partitions seen below flaky; a partition the command did not create fails the delivery.
            var failed = 0;
            for (var i = 0; i < 20; i++)
            {
                producer.Produce(new TopicPartition("commanded", new Partition(i % 2)), new Message<Null, string> { Value = $"m{i}" },
                    report => { if (report.Error.IsError) Interlocked.Increment(ref failed); });
            }
            Assert.Equal(0, producer.Flush(Deadline));
            Assert.Equal(0, failed);
        }
        using (var consumer = Quiet(new ConsumerBuilder<Null, string>(ConsumerConfig(bootstrap, "command-group"))).Build())
        {
            consumer.Subscribe("commanded");
            var received = Eventually.Consume(consumer, 20, Deadline);
            Assert.Equal(20, received.Count);
            Assert.Equal(2, received.Select(r => r.Partition.Value).Distinct().Count());
            consumer.Commit(received.GroupBy(r => r.TopicPartition).Select(g => new TopicPartitionOffset(g.Key, g.Max(r => r.Offset.Value) + 1)));
            consumer.Close();
        }

        Assert.Equal(0, await command.TerminateAsync());
        Assert.Contains("stopped", command.Output);
    }

    [Fact]
    public async Task Kafka_command_rejects_bad_arguments_with_exit_code_2()
    {
        using var command = KafkaCommandProcess.Start("kafka", "--port", "not-a-port");
        Assert.Equal(2, await command.WaitForExitAsync());
        Assert.Contains("--port must be a number from 0 to 65535, not 'not-a-port'", command.Output);
        Assert.Contains("Usage:", command.Output);
    }

    /// <summary>Sends librdkafka's logs and errors (expected ones, in outage tests) to the test output, not stderr.</summary>
    internal static ProducerBuilder<TKey, TValue> Quiet<TKey, TValue>(ProducerBuilder<TKey, TValue> builder)
    {
        var output = TestOutput;
        return builder
            .SetLogHandler((_, m) => Write(output, $"{m.Name} {m.Facility}: {m.Message}"))
            .SetErrorHandler((_, e) => Write(output, $"error: {e.Code} {e.Reason}"));
    }

    /// <inheritdoc cref="Quiet{TKey, TValue}(ProducerBuilder{TKey, TValue})"/>
    internal static ConsumerBuilder<TKey, TValue> Quiet<TKey, TValue>(ConsumerBuilder<TKey, TValue> builder)
    {
        var output = TestOutput;
        return builder
            .SetLogHandler((_, m) => Write(output, $"{m.Name} {m.Facility}: {m.Message}"))
            .SetErrorHandler((_, e) => Write(output, $"error: {e.Code} {e.Reason}"));
    }

    private static void Write(ITestOutputHelper? output, string line)
    {
        try
        {
            output?.WriteLine(line);
        }
        catch (InvalidOperationException)
        {
            // The test has finished.
        }
    }

    internal static ProducerConfig ProducerConfig(string bootstrapServers) => new()
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
    };

    internal static ConsumerConfig ConsumerConfig(string bootstrapServers, string group) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = group,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
    };

    /// <summary>The LocalInfrastructure executable run as its own process, the way the AppHost runs it.</summary>
    private sealed class KafkaCommandProcess : IDisposable
    {
        private readonly Process process;
        private readonly StringBuilder output = new();
        private readonly ITestOutputHelper? testOutput = TestContext.Current.TestOutputHelper;

        private KafkaCommandProcess(Process process)
        {
            this.process = process;
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Output
        {
            get
            {
                lock (output)
                {
                    return output.ToString();
                }
            }
        }

        public static KafkaCommandProcess Start(params string[] arguments)
        {
            var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
            var info = new ProcessStartInfo(dotnet, [LocalInfrastructureCommand.Assembly(), .. arguments])
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            return new KafkaCommandProcess(Process.Start(info)!);
        }

        public Task WaitForLineAsync(string text) => Eventually.TrueAsync(
            () => Output.Contains(text, StringComparison.Ordinal) || (process.HasExited && Fail(text)),
            Deadline, $"'{text}' from the kafka command");

        public async Task<int> TerminateAsync()
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", $"{process.Id}"]) { UseShellExecute = false })!)
            {
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
            return await WaitForExitAsync();
        }

        public async Task<int> WaitForExitAsync()
        {
            await process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            process.WaitForExit(); // drains the redirected output
            return process.ExitCode;
        }

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
            process.Dispose();
        }

        private bool Fail(string text) => throw new Xunit.Sdk.XunitException($"the kafka command exited before printing '{text}':\n{Output}");

        private void Add(string? line)
        {
            if (line is null)
            {
                return;
            }
            lock (output)
            {
                output.AppendLine(line);
            }
            try
            {
                testOutput?.WriteLine(line);
            }
            catch (InvalidOperationException)
            {
                // The test has finished.
            }
        }
    }
}
