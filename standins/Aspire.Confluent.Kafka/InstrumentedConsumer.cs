using System.Diagnostics;

namespace Aspire.Confluent.Kafka;

/// <summary>
/// An <see cref="IConsumer{TKey, TValue}"/> that delegates every member to the Confluent consumer
/// and, for each message returned by Consume, records the receive metrics and a Consumer-kind
/// <c>&lt;topic&gt; receive</c> span whose parent and link are the context found in the headers.
/// With nobody listening it costs two flag checks per call.
/// </summary>
internal sealed class InstrumentedConsumer<TKey, TValue>(
    IConsumer<TKey, TValue> inner,
    string? groupId,
    bool tracing,
    bool metrics,
    IDisposable? statistics) : IConsumer<TKey, TValue>
{
    public Handle Handle => inner.Handle;

    public string Name => inner.Name;

    public string MemberId => inner.MemberId;

    public List<TopicPartition> Assignment => inner.Assignment;

    public List<string> Subscription => inner.Subscription;

    public IConsumerGroupMetadata ConsumerGroupMetadata => inner.ConsumerGroupMetadata;

    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);

    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);

    public ConsumeResult<TKey, TValue> Consume(int millisecondsTimeout)
    {
        if (!Instrumenting(out var start, out var startTime))
        {
            return inner.Consume(millisecondsTimeout);
        }
        try
        {
            return Received(inner.Consume(millisecondsTimeout), start, startTime);
        }
        catch (ConsumeException e) when (RecordFailure(e, start, startTime))
        {
            throw; // not reached: the filter only records
        }
    }

    public ConsumeResult<TKey, TValue> Consume(CancellationToken cancellationToken = default)
    {
        if (!Instrumenting(out var start, out var startTime))
        {
            return inner.Consume(cancellationToken);
        }
        try
        {
            return Received(inner.Consume(cancellationToken), start, startTime);
        }
        catch (ConsumeException e) when (RecordFailure(e, start, startTime))
        {
            throw; // not reached: the filter only records
        }
    }

    public ConsumeResult<TKey, TValue> Consume(TimeSpan timeout)
    {
        if (!Instrumenting(out var start, out var startTime))
        {
            return inner.Consume(timeout);
        }
        try
        {
            return Received(inner.Consume(timeout), start, startTime);
        }
        catch (ConsumeException e) when (RecordFailure(e, start, startTime))
        {
            throw; // not reached: the filter only records
        }
    }

    public void Subscribe(IEnumerable<string> topics) => inner.Subscribe(topics);

    public void Subscribe(string topic) => inner.Subscribe(topic);

    public void Unsubscribe() => inner.Unsubscribe();

    public void Assign(TopicPartition partition) => inner.Assign(partition);

    public void Assign(TopicPartitionOffset partition) => inner.Assign(partition);

    public void Assign(IEnumerable<TopicPartitionOffset> partitions) => inner.Assign(partitions);

    public void Assign(IEnumerable<TopicPartition> partitions) => inner.Assign(partitions);

    public void IncrementalAssign(IEnumerable<TopicPartitionOffset> partitions) => inner.IncrementalAssign(partitions);

    public void IncrementalAssign(IEnumerable<TopicPartition> partitions) => inner.IncrementalAssign(partitions);

    public void IncrementalUnassign(IEnumerable<TopicPartition> partitions) => inner.IncrementalUnassign(partitions);

    public void Unassign() => inner.Unassign();

    public void StoreOffset(ConsumeResult<TKey, TValue> result) => inner.StoreOffset(result);

    public void StoreOffset(TopicPartitionOffset offset) => inner.StoreOffset(offset);

    public List<TopicPartitionOffset> Commit() => inner.Commit();

    public void Commit(IEnumerable<TopicPartitionOffset> offsets) => inner.Commit(offsets);

    public void Commit(ConsumeResult<TKey, TValue> result) => inner.Commit(result);

    public void Seek(TopicPartitionOffset tpo) => inner.Seek(tpo);

    public void Pause(IEnumerable<TopicPartition> partitions) => inner.Pause(partitions);

    public void Resume(IEnumerable<TopicPartition> partitions) => inner.Resume(partitions);

    public List<TopicPartitionOffset> Committed(TimeSpan timeout) => inner.Committed(timeout);

    public List<TopicPartitionOffset> Committed(IEnumerable<TopicPartition> partitions, TimeSpan timeout) => inner.Committed(partitions, timeout);

    public Offset Position(TopicPartition partition) => inner.Position(partition);

    public List<TopicPartitionOffset> OffsetsForTimes(IEnumerable<TopicPartitionTimestamp> timestampsToSearch, TimeSpan timeout) =>
        inner.OffsetsForTimes(timestampsToSearch, timeout);

    public WatermarkOffsets GetWatermarkOffsets(TopicPartition topicPartition) => inner.GetWatermarkOffsets(topicPartition);

    public WatermarkOffsets QueryWatermarkOffsets(TopicPartition topicPartition, TimeSpan timeout) => inner.QueryWatermarkOffsets(topicPartition, timeout);

    public void Close() => inner.Close();

    public void Dispose()
    {
        inner.Dispose();
        statistics?.Dispose();
    }

    private bool Tracing => tracing && KafkaTelemetry.ActivitySource.HasListeners();

    private bool Measuring => metrics && (KafkaTelemetry.ReceiveMessages.Enabled || KafkaTelemetry.ReceiveDuration.Enabled);

    private bool Instrumenting(out long start, out DateTimeOffset startTime)
    {
        var tracingNow = Tracing;
        if (!tracingNow && !Measuring)
        {
            start = 0;
            startTime = default;
            return false;
        }
        start = Stopwatch.GetTimestamp();
        startTime = tracingNow ? DateTimeOffset.UtcNow : default;
        return true;
    }

    /// <summary>Exception filter: a message arrived but could not be deserialized; it was received all the same.</summary>
    private bool RecordFailure(ConsumeException e, long start, DateTimeOffset startTime)
    {
        if (e.ConsumerRecord is { Topic: not null } record)
        {
            Record(record.Topic, record.TopicPartitionOffset, record.Message?.Headers, start, startTime, e.Error);
        }
        return false;
    }

    private ConsumeResult<TKey, TValue> Received(ConsumeResult<TKey, TValue> result, long start, DateTimeOffset startTime)
    {
        if (result is { IsPartitionEOF: false, Topic: not null })
        {
            Record(result.Topic, result.TopicPartitionOffset, result.Message?.Headers, start, startTime, error: null);
        }
        return result;
    }

    private void Record(string topic, TopicPartitionOffset position, Headers? headers, long start, DateTimeOffset startTime, Error? error)
    {
        var failed = error is { IsError: true };
        if (Measuring)
        {
            var tags = new TagList
            {
                { "messaging.system", KafkaTelemetry.MessagingSystem },
                { "messaging.operation.name", "receive" },
                { "messaging.destination.name", topic },
                { "messaging.consumer.group.name", groupId },
            };
            if (failed)
            {
                tags.Add("error.type", KafkaTelemetry.ErrorType(error!));
            }
            KafkaTelemetry.ReceiveMessages.Add(1, tags);
            KafkaTelemetry.ReceiveDuration.Record(KafkaTelemetry.ElapsedSeconds(start), tags);
        }

        if (!Tracing || startTime == default)
        {
            return;
        }
        var producerContext = KafkaTraceContext.Extract(headers);
        ActivityLink[]? links = producerContext == default ? null : [new ActivityLink(producerContext)];
        // The span continues the producer's trace (parent) unless the caller is already inside a
        // span of its own; either way it links to the producer's span.
        var parent = Activity.Current?.Context ?? producerContext;
        var activity = KafkaTelemetry.ActivitySource.StartActivity(
            KafkaTelemetry.ReceiveSpanName(topic), ActivityKind.Consumer, parent, tags: null, links, startTime);
        if (activity is null)
        {
            return;
        }
        if (activity.IsAllDataRequested)
        {
            activity.SetTag("messaging.system", KafkaTelemetry.MessagingSystem);
            activity.SetTag("messaging.operation.type", "receive");
            activity.SetTag("messaging.operation.name", "receive");
            activity.SetTag("messaging.destination.name", topic);
            activity.SetTag("messaging.consumer.group.name", groupId);
            activity.SetTag("messaging.client.id", inner.Name);
            activity.SetTag("messaging.destination.partition.id", position.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            activity.SetTag("messaging.kafka.offset", position.Offset.Value);
        }
        if (failed)
        {
            activity.SetStatus(ActivityStatusCode.Error, error!.Reason);
            activity.SetTag("error.type", KafkaTelemetry.ErrorType(error));
        }
        activity.Stop();
    }
}
