namespace ReelMetrics.LocalInfrastructure.Kafka;

/// <summary>A topic to create on the local broker.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Number of partitions (at least 1).</param>
public sealed record LocalKafkaTopic(string Name, int Partitions = 1)
{
    /// <summary>Parses <c>name</c> or <c>name:partitions</c>.</summary>
    public static LocalKafkaTopic Parse(string value)
    {
        var colon = value.LastIndexOf(':');
        if (colon < 0)
        {
            return new LocalKafkaTopic(value.Trim());
        }
        var name = value[..colon].Trim();
        if (name.Length == 0 || !int.TryParse(value[(colon + 1)..], out var partitions) || partitions < 1)
        {
            throw new FormatException($"'{value}' is not a topic (expected name or name:partitions, partitions >= 1).");
        }
        return new LocalKafkaTopic(name, partitions);
    }

    public override string ToString() => $"{Name}:{Partitions}";
}

/// <summary>Options of <see cref="LocalKafkaBroker.Start"/>.</summary>
public sealed record LocalKafkaBrokerOptions
{
    /// <summary>The fixed public port clients connect to; 0 picks a free port.</summary>
    public int Port { get; init; }

    /// <summary>Topics created at start.</summary>
    public IReadOnlyList<LocalKafkaTopic> Topics { get; init; } = [];

    /// <summary>
    /// The host the broker advertises in metadata (clients connect to it after bootstrapping).
    /// The forwarder listens on both 127.0.0.1 and [::1], so "localhost" works too; 127.0.0.1
    /// avoids clients trying ::1 first where IPv6 is unavailable.
    /// </summary>
    public string AdvertisedHost { get; init; } = "127.0.0.1";

    /// <summary>
    /// The broker's <c>group.initial.rebalance.delay.ms</c>. Kafka's default is 3000; like
    /// Confluent's local image, 0 here, so consumer groups form at once.
    /// </summary>
    public int GroupInitialRebalanceDelayMs { get; init; }

    /// <summary>
    /// How many bytes of record batches each partition of a topic created through the broker (<see cref="Topics"/>,
    /// <see cref="LocalKafkaBroker.CreateTopic"/>) keeps before the oldest batches are dropped. librdkafka's mock keeps
    /// only 5 MiB, so a consumer that falls behind would lose events; the broker raises the limit by patching the mock's
    /// partitions in memory (see <see cref="LocalKafkaBroker"/>). Default 256 MiB: like a real broker's size-based
    /// retention, memory stays bounded (the 16-partition sales topic holds at most 4 GiB, about ten million sales), and a
    /// consumer that falls further behind than that loses the oldest events, which it reports (events_lost).
    /// 0 leaves librdkafka's 5 MiB. Auto-created topics always keep librdkafka's limits.
    /// </summary>
    public long MaxPartitionBytes { get; init; } = DefaultMaxPartitionBytes;

    /// <summary>
    /// Like <see cref="MaxPartitionBytes"/>, for the number of record batches a partition keeps (librdkafka: 100,000).
    /// Default 100,000,000. 0 leaves librdkafka's limit.
    /// </summary>
    public long MaxPartitionBatches { get; init; } = DefaultMaxPartitionBatches;

    /// <summary>The default <see cref="MaxPartitionBytes"/>: 256 MiB.</summary>
    public const long DefaultMaxPartitionBytes = 256L * 1024 * 1024;

    /// <summary>The default <see cref="MaxPartitionBatches"/>: 100,000,000.</summary>
    public const long DefaultMaxPartitionBatches = 100_000_000;

    /// <summary>Where diagnostics go (default: nowhere).</summary>
    public Action<string>? Log { get; init; }
}
