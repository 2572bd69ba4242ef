using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace Aspire.Confluent.Kafka;

/// <summary>
/// Turns librdkafka's statistics into observable instruments. The statistics handler (on the
/// client's poll thread, or inside Consume for consumers) only stores the latest JSON string;
/// it is parsed when a metrics reader observes the instruments, off the poll thread, at most
/// once per statistics report.
/// </summary>
internal sealed class KafkaStatisticsCollector : IDisposable
{
    private static readonly ConcurrentDictionary<KafkaStatisticsCollector, byte> Live = new();

    static KafkaStatisticsCollector()
    {
        var meter = KafkaTelemetry.Meter;
        meter.CreateObservableGauge("messaging.kafka.consumer.queue.message_count",
            () => Observe(static s => s.IsConsumer ? s.ReplyQueue : null), "{message}",
            "Number of ops (messages, callbacks, events) waiting in the consumer's queue for the application.");
        meter.CreateObservableGauge("messaging.kafka.producer.queue.message_count",
            () => Observe(static s => s.IsConsumer ? null : s.MessageCount), "{message}",
            "Number of messages in the producer's queues, waiting to be delivered.");
        meter.CreateObservableGauge("messaging.kafka.producer.queue.size",
            () => Observe(static s => s.IsConsumer ? null : s.MessageSize), "By",
            "Total size of the messages in the producer's queues.");
        meter.CreateObservableCounter("messaging.kafka.network.tx",
            () => Observe(static s => s.Tx), "{request}", "Number of requests sent to Kafka brokers.");
        meter.CreateObservableCounter("messaging.kafka.network.transmitted",
            () => Observe(static s => s.TxBytes), "By", "Number of bytes sent to Kafka brokers.");
        meter.CreateObservableCounter("messaging.kafka.network.rx",
            () => Observe(static s => s.Rx), "{response}", "Number of responses received from Kafka brokers.");
        meter.CreateObservableCounter("messaging.kafka.network.received",
            () => Observe(static s => s.RxBytes), "By", "Number of bytes received from Kafka brokers.");
        meter.CreateObservableCounter("messaging.kafka.message.transmitted",
            () => Observe(static s => s.IsConsumer ? null : s.TxMessages), "{message}", "Number of messages sent to Kafka brokers.");
        meter.CreateObservableCounter("messaging.kafka.message.received",
            () => Observe(static s => s.IsConsumer ? s.RxMessages : null), "{message}", "Number of messages consumed from Kafka brokers.");
        meter.CreateObservableGauge("messaging.kafka.consumer.lag", ObserveLag, "{message}",
            "Consumer lag per assigned partition (high watermark minus the consumer's committed or stored offset).");
    }

    private readonly string _connectionName;
    private readonly string? _groupId;
    private readonly Lock _parseLock = new();
    private string? _json;
    private string? _parsedJson;
    private Snapshot? _snapshot;

    public KafkaStatisticsCollector(string connectionName, string? groupId)
    {
        _connectionName = connectionName;
        _groupId = groupId;
        Live.TryAdd(this, 0);
    }

    /// <summary>Called from librdkafka's statistics callback: O(1), no parsing.</summary>
    public void OnStatistics(string json) => Volatile.Write(ref _json, json);

    public void Dispose() => Live.TryRemove(this, out _);

    private Snapshot? Current()
    {
        var json = Volatile.Read(ref _json);
        if (json is null)
        {
            return null;
        }
        lock (_parseLock)
        {
            if (!ReferenceEquals(json, _parsedJson))
            {
                try
                {
                    _snapshot = Snapshot.Parse(json);
                }
                catch (JsonException)
                {
                    _snapshot = null;
                }
                _parsedJson = json;
            }
            return _snapshot;
        }
    }

    private KeyValuePair<string, object?>[] Tags(Snapshot snapshot) =>
    [
        new("messaging.system", KafkaTelemetry.MessagingSystem),
        new("messaging.client.id", snapshot.Name),
        new("messaging.kafka.connection.name", _connectionName),
    ];

    private static IEnumerable<Measurement<long>> Observe(Func<Snapshot, long?> select)
    {
        foreach (var collector in Live.Keys)
        {
            if (collector.Current() is { } snapshot && select(snapshot) is { } value)
            {
                yield return new Measurement<long>(value, collector.Tags(snapshot));
            }
        }
    }

    private static IEnumerable<Measurement<long>> ObserveLag()
    {
        foreach (var collector in Live.Keys)
        {
            if (collector.Current() is not { IsConsumer: true } snapshot)
            {
                continue;
            }
            foreach (var (topic, partition, lag) in snapshot.Lags)
            {
                yield return new Measurement<long>(lag,
                [
                    new("messaging.system", KafkaTelemetry.MessagingSystem),
                    new("messaging.client.id", snapshot.Name),
                    new("messaging.kafka.connection.name", collector._connectionName),
                    new("messaging.consumer.group.name", collector._groupId),
                    new("messaging.destination.name", topic),
                    new("messaging.destination.partition.id", partition),
                ]);
            }
        }
    }

    private sealed record Snapshot(
        string Name,
        bool IsConsumer,
        long ReplyQueue,
        long MessageCount,
        long MessageSize,
        long Tx,
        long TxBytes,
        long Rx,
        long RxBytes,
        long TxMessages,
        long RxMessages,
        IReadOnlyList<(string Topic, string Partition, long Lag)> Lags)
    {
        public static Snapshot Parse(string json)
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            long Long(string name) => root.TryGetProperty(name, out var p) && p.TryGetInt64(out var v) ? v : 0;
            var isConsumer = root.TryGetProperty("type", out var type) && type.GetString() == "consumer";

            var lags = new List<(string, string, long)>();
            if (isConsumer && root.TryGetProperty("topics", out var topics) && topics.ValueKind == JsonValueKind.Object)
            {
                foreach (var topic in topics.EnumerateObject())
                {
                    if (!topic.Value.TryGetProperty("partitions", out var partitions) || partitions.ValueKind != JsonValueKind.Object)
                    {
                        continue;
                    }
                    foreach (var partition in partitions.EnumerateObject())
                    {
                        // "-1" is librdkafka's internal UA partition; a lag of -1 means "unknown".
                        if (partition.Name == "-1"
                            || !partition.Value.TryGetProperty("consumer_lag", out var lagElement)
                            || !lagElement.TryGetInt64(out var lag) || lag < 0)
                        {
                            continue;
                        }
                        lags.Add((topic.Name, partition.Name, lag));
                    }
                }
            }

            return new Snapshot(
                root.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "",
                isConsumer,
                Long("replyq"),
                Long("msg_cnt"),
                Long("msg_size"),
                Long("tx"),
                Long("tx_bytes"),
                Long("rx"),
                Long("rx_bytes"),
                Long("txmsgs"),
                Long("rxmsgs"),
                lags);
        }
    }
}
