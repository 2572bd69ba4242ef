using System.Collections.Concurrent;
using Confluent.Kafka;
using ReelMetrics.LocalInfrastructure.Kafka;

namespace ReelMetrics.Tests.Kafka;

/// <summary>
/// The local broker keeps everything produced to topics it created (librdkafka's mock alone keeps 5 MiB a partition and
/// drops older record batches): <see cref="LocalKafkaBrokerOptions.MaxPartitionBytes"/> raises the limit.
/// </summary>
public sealed class LocalKafkaBrokerRetentionTests
{
    private const int MessageBytes = 10 * 1024;
    private const int MessageCount = 3_000; // 30 MiB of incompressible payloads, six times the mock's 5 MiB
    private const long MockLimitBytes = 5 * 1024 * 1024;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    [Theory]
    [InlineData(1, 0)]
    [InlineData(16, 15)] // like ticket-sales; the last partition of the array, so the stride is right too
    public async Task A_partition_keeps_far_more_than_5_MiB(int partitions, int partition)
    {
        var log = new ConcurrentQueue<string>();
        await using var broker = Start(log, new LocalKafkaBrokerOptions(), "retained", partitions);
        Assert.Contains(log, line => line.Contains("raised the mock's per-partition limits to 268,435,456 bytes", StringComparison.Ordinal));
        Assert.DoesNotContain(log, line => line.StartsWith("warning", StringComparison.Ordinal));

        var payloads = Payloads();
        var tp = new TopicPartition("retained", partition);
        Produce(broker, tp, payloads);

        var (low, high) = Watermarks(broker, tp);
        Assert.Equal(0, low);
        Assert.Equal(MessageCount, high);

        var received = ConsumeFromBeginning(broker, tp, MessageCount);
        Assert.Equal(MessageCount, received.Count);
        Assert.Equal(0, received[0].Offset.Value);
        Assert.Equal(MessageCount - 1, received[^1].Offset.Value);
        for (var i = 0; i < MessageCount; i++)
        {
            Assert.Equal(i, received[i].Offset.Value);
            Assert.True(payloads[i].AsSpan().SequenceEqual(received[i].Message.Value), $"message {i} differs");
        }

        // The other partitions were raised too, and are empty.
        for (var p = 0; p < partitions; p++)
        {
            if (p != partition)
            {
                Assert.Equal((0L, 0L), Watermarks(broker, new TopicPartition("retained", p)));
            }
        }
    }

    [Fact]
    public async Task Without_the_raised_limit_the_mock_drops_all_but_the_last_5_MiB()
    {
        // Proves that the patch is what keeps the data: with MaxPartitionBytes = 0 the same 30 MiB lose their start.
        var log = new ConcurrentQueue<string>();
        await using var broker = Start(log, new LocalKafkaBrokerOptions { MaxPartitionBytes = 0 }, "dropping", 1);
        Assert.Contains(log, line => line.Contains("raised the mock's per-partition limits to 5,242,880 bytes", StringComparison.Ordinal));

        var payloads = Payloads();
        var tp = new TopicPartition("dropping", 0);
        Produce(broker, tp, payloads);

        var (low, high) = Watermarks(broker, tp);
        Assert.Equal(MessageCount, high);
        Assert.True(low > 0, "the mock kept everything although its limit was not raised");
        var kept = high - low;
        Assert.InRange(kept * MessageBytes, MockLimitBytes / 2, MockLimitBytes + 1024 * 1024); // 5 MiB, give or take a batch

        var received = ConsumeFromBeginning(broker, tp, (int)kept);
        Assert.Equal(kept, received.Count);
        Assert.Equal(low, received[0].Offset.Value);
        Assert.Equal(MessageCount - 1, received[^1].Offset.Value);
        Assert.True(payloads[^1].AsSpan().SequenceEqual(received[^1].Message.Value));
    }

    [Fact]
    public async Task With_both_limits_0_nothing_is_patched_and_nothing_is_logged_about_it()
    {
        var log = new ConcurrentQueue<string>();
        await using var broker = Start(log, new LocalKafkaBrokerOptions { MaxPartitionBytes = 0, MaxPartitionBatches = 0 }, "untouched", 2);
        Assert.DoesNotContain(log, line => line.Contains("raised", StringComparison.Ordinal) || line.StartsWith("warning", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_auto_created_topic_keeps_the_mock_limits_with_a_warning()
    {
        var log = new ConcurrentQueue<string>();
        await using var broker = Start(log, new LocalKafkaBrokerOptions(), "explicit", 1);
        Produce(broker, new TopicPartition("auto-created", 0), [new byte[16]]);

        broker.CreateTopic("auto-created", 4); // already exists: a no-op, which cannot raise the limits

        Assert.Contains(log, line => line.StartsWith("warning: topic 'auto-created'", StringComparison.Ordinal)
            && line.Contains("local Kafka keeps only 5 MiB per partition; a consumer that falls behind loses events", StringComparison.Ordinal));
    }

    [Fact]
    public void Negative_limits_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalKafkaBroker.Start(new LocalKafkaBrokerOptions { MaxPartitionBytes = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => LocalKafkaBroker.Start(new LocalKafkaBrokerOptions { MaxPartitionBatches = -1 }));
    }

    private static LocalKafkaBroker Start(ConcurrentQueue<string> log, LocalKafkaBrokerOptions options, string topic, int partitions)
    {
        var output = TestContext.Current.TestOutputHelper;
        return LocalKafkaBroker.Start(options with
        {
            Topics = [new LocalKafkaTopic(topic, partitions)],
            Log = line =>
            {
                log.Enqueue(line);
                output?.WriteLine(line);
            },
        });
    }

    /// <summary>Incompressible (random) payloads, each starting with its index.</summary>
    private static byte[][] Payloads()
    {
        var random = new Random(20240611);
        var payloads = new byte[MessageCount][];
        for (var i = 0; i < MessageCount; i++)
        {
            payloads[i] = new byte[MessageBytes];
            random.NextBytes(payloads[i]);
            BitConverter.TryWriteBytes(payloads[i], i);
        }
        return payloads;
    }

    private static void Produce(LocalKafkaBroker broker, TopicPartition tp, byte[][] payloads)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            CompressionType = CompressionType.None,
            LingerMs = 5,
        };
        long failed = 0;
        string? firstError = null;
        using var producer = LocalKafkaBrokerTests.Quiet(new ProducerBuilder<Null, byte[]>(config)).Build();
        foreach (var payload in payloads)
        {
            producer.Produce(tp, new Message<Null, byte[]> { Value = payload }, report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, report.Error.Reason, null);
                }
            });
        }
        Assert.Equal(0, producer.Flush(Deadline));
        Assert.True(Interlocked.Read(ref failed) == 0, $"{failed} deliveries failed, first: {firstError}");
    }

    private static (long Low, long High) Watermarks(LocalKafkaBroker broker, TopicPartition tp)
    {
        using var consumer = LocalKafkaBrokerTests.Quiet(new ConsumerBuilder<Null, byte[]>(
            LocalKafkaBrokerTests.ConsumerConfig(broker.BootstrapServers, "watermarks"))).Build();
        var offsets = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(30));
        return (offsets.Low.Value, offsets.High.Value);
    }

    private static List<ConsumeResult<Null, byte[]>> ConsumeFromBeginning(LocalKafkaBroker broker, TopicPartition tp, int count)
    {
        using var consumer = LocalKafkaBrokerTests.Quiet(new ConsumerBuilder<Null, byte[]>(
            LocalKafkaBrokerTests.ConsumerConfig(broker.BootstrapServers, "reader"))).Build();
        consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
        var received = Eventually.Consume(consumer, count, Deadline);
        var extra = consumer.Consume(TimeSpan.FromMilliseconds(500));
        Assert.True(extra is null || extra.IsPartitionEOF, $"a message beyond the expected ones, at offset {extra?.Offset}");
        consumer.Close();
        return received;
    }
}
