using Confluent.Kafka;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Notices events that vanished from the broker before this consumer read them. Per partition it knows the offset it
/// expects next (after an assignment: the group's committed offset). When a message arrives past it, it asks the
/// broker for the partition's earliest offset: if that moved beyond what we expected, the events between were
/// deleted (retention, a reset) and can never be stored. A gap the broker still covers (transaction markers,
/// compaction) is not a loss. Offsets that go backwards mean the topic started over (a new local broker): no loss.
/// </summary>
/// <remarks>
/// Assignment changes arrive through the consumer's rebalance handlers, which run on the consuming thread, as does
/// <see cref="Check"/>: no locking needed.
/// </remarks>
internal sealed class LostEventsDetector
{
    private static readonly TimeSpan BrokerTimeout = TimeSpan.FromSeconds(5);
    private readonly Dictionary<TopicPartition, long> expected = [];

    /// <summary>Forgets what it expected of these partitions (they were assigned anew, revoked or lost).</summary>
    public void Forget(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions) expected.Remove(partition);
    }

    public void ForgetAll() => expected.Clear();

    /// <summary>How many events were lost just before <paramref name="result"/> (usually 0).</summary>
    /// <exception cref="KafkaException">The broker could not be asked: this gap goes unchecked, and the partition is
    /// not asked again for the messages that follow (a broker that is down would cost a timeout per message).</exception>
    public long Check<TKey, TValue>(IConsumer<TKey, TValue> consumer, ConsumeResult<TKey, TValue> result)
    {
        var partition = result.TopicPartition;
        var offset = result.Offset.Value;
        var known = expected.TryGetValue(partition, out var next);
        expected[partition] = offset + 1;
        if (!known)
        {
            var committed = consumer.Committed([partition], BrokerTimeout).Single().Offset;
            next = committed.Value >= 0 ? committed.Value : offset;   // a group that never committed: nothing to compare
        }
        if (offset <= next) return 0;

        var earliest = consumer.QueryWatermarkOffsets(partition, BrokerTimeout).Low.Value;
        return earliest > next ? Math.Min(earliest, offset) - next : 0;
    }
}
