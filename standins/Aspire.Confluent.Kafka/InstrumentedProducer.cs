using System.Diagnostics;

namespace Aspire.Confluent.Kafka;

/// <summary>
/// An <see cref="IProducer{TKey, TValue}"/> that delegates every member to the Confluent producer
/// and adds a Producer-kind <c>&lt;topic&gt; publish</c> span (whose context it injects into the
/// message headers) and the publish metrics. With nobody listening it costs two flag checks.
/// </summary>
internal sealed class InstrumentedProducer<TKey, TValue>(
    IProducer<TKey, TValue> inner,
    bool tracing,
    bool metrics,
    IDisposable? statistics) : IProducer<TKey, TValue>
{
    public Handle Handle => inner.Handle;

    public string Name => inner.Name;

    public int AddBrokers(string brokers) => inner.AddBrokers(brokers);

    public void SetSaslCredentials(string username, string password) => inner.SetSaslCredentials(username, password);

    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(string topic, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
    {
        var activity = StartPublish(topic, message);
        if (activity is null && !Measuring)
        {
            return inner.ProduceAsync(topic, message, cancellationToken);
        }
        return ProduceAsyncInstrumented(inner.ProduceAsync(topic, message, cancellationToken), topic, activity, Stopwatch.GetTimestamp());
    }

    public Task<DeliveryResult<TKey, TValue>> ProduceAsync(TopicPartition topicPartition, Message<TKey, TValue> message, CancellationToken cancellationToken = default)
    {
        var activity = StartPublish(topicPartition.Topic, message);
        if (activity is null && !Measuring)
        {
            return inner.ProduceAsync(topicPartition, message, cancellationToken);
        }
        return ProduceAsyncInstrumented(inner.ProduceAsync(topicPartition, message, cancellationToken), topicPartition.Topic, activity, Stopwatch.GetTimestamp());
    }

    public void Produce(string topic, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
    {
        var activity = StartPublish(topic, message);
        if (activity is null && !Measuring)
        {
            inner.Produce(topic, message, deliveryHandler);
            return;
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            inner.Produce(topic, message, report =>
            {
                Complete(topic, activity, start, report.Error, report.TopicPartitionOffset);
                deliveryHandler?.Invoke(report);
            });
        }
        catch (Exception e)
        {
            Fail(activity, e);
            throw;
        }
    }

    public void Produce(TopicPartition topicPartition, Message<TKey, TValue> message, Action<DeliveryReport<TKey, TValue>>? deliveryHandler = null)
    {
        var activity = StartPublish(topicPartition.Topic, message);
        if (activity is null && !Measuring)
        {
            inner.Produce(topicPartition, message, deliveryHandler);
            return;
        }
        var start = Stopwatch.GetTimestamp();
        try
        {
            inner.Produce(topicPartition, message, report =>
            {
                Complete(topicPartition.Topic, activity, start, report.Error, report.TopicPartitionOffset);
                deliveryHandler?.Invoke(report);
            });
        }
        catch (Exception e)
        {
            Fail(activity, e);
            throw;
        }
    }

    public int Poll(TimeSpan timeout) => inner.Poll(timeout);

    public int Flush(TimeSpan timeout) => inner.Flush(timeout);

    public void Flush(CancellationToken cancellationToken = default) => inner.Flush(cancellationToken);

    public void InitTransactions(TimeSpan timeout) => inner.InitTransactions(timeout);

    public void BeginTransaction() => inner.BeginTransaction();

    public void CommitTransaction(TimeSpan timeout) => inner.CommitTransaction(timeout);

    public void CommitTransaction() => inner.CommitTransaction();

    public void AbortTransaction(TimeSpan timeout) => inner.AbortTransaction(timeout);

    public void AbortTransaction() => inner.AbortTransaction();

    public void SendOffsetsToTransaction(IEnumerable<TopicPartitionOffset> offsets, IConsumerGroupMetadata groupMetadata, TimeSpan timeout) =>
        inner.SendOffsetsToTransaction(offsets, groupMetadata, timeout);

    public void Dispose()
    {
        inner.Dispose();
        statistics?.Dispose();
    }

    private bool Measuring => metrics && (KafkaTelemetry.PublishMessages.Enabled || KafkaTelemetry.PublishDuration.Enabled);

    private Activity? StartPublish(string topic, Message<TKey, TValue> message)
    {
        if (!tracing || !KafkaTelemetry.ActivitySource.HasListeners())
        {
            return null;
        }
        var activity = KafkaTelemetry.ActivitySource.StartActivity(KafkaTelemetry.PublishSpanName(topic), ActivityKind.Producer);
        if (activity is null)
        {
            return null;
        }
        if (activity.IsAllDataRequested)
        {
            activity.SetTag("messaging.system", KafkaTelemetry.MessagingSystem);
            activity.SetTag("messaging.operation.type", "publish");
            activity.SetTag("messaging.operation.name", "publish");
            activity.SetTag("messaging.destination.name", topic);
            activity.SetTag("messaging.client.id", inner.Name);
        }
        message.Headers ??= new Headers();
        KafkaTraceContext.Inject(activity, message.Headers);
        // Produce returns at once; the span ends with the delivery report, not here.
        Activity.Current = activity.Parent;
        return activity;
    }

    private async Task<DeliveryResult<TKey, TValue>> ProduceAsyncInstrumented(
        Task<DeliveryResult<TKey, TValue>> produce, string topic, Activity? activity, long start)
    {
        try
        {
            var result = await produce.ConfigureAwait(false);
            Complete(topic, activity, start, error: null, result.TopicPartitionOffset);
            return result;
        }
        catch (ProduceException<TKey, TValue> e)
        {
            Complete(topic, activity, start, e.Error, e.DeliveryResult?.TopicPartitionOffset);
            throw;
        }
        catch (Exception e)
        {
            Fail(activity, e);
            throw;
        }
    }

    private void Complete(string topic, Activity? activity, long start, Error? error, TopicPartitionOffset? position)
    {
        var failed = error is { IsError: true };
        if (Measuring)
        {
            var tags = new TagList
            {
                { "messaging.system", KafkaTelemetry.MessagingSystem },
                { "messaging.operation.name", "publish" },
                { "messaging.destination.name", topic },
            };
            if (failed)
            {
                tags.Add("error.type", KafkaTelemetry.ErrorType(error!));
            }
            KafkaTelemetry.PublishMessages.Add(1, tags);
            KafkaTelemetry.PublishDuration.Record(KafkaTelemetry.ElapsedSeconds(start), tags);
        }
        if (activity is null)
        {
            return;
        }
        if (activity.IsAllDataRequested && position is not null)
        {
            activity.SetTag("messaging.destination.partition.id", position.Partition.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!failed && position.Offset != Offset.Unset)
            {
                activity.SetTag("messaging.kafka.offset", position.Offset.Value);
            }
        }
        if (failed)
        {
            activity.SetStatus(ActivityStatusCode.Error, error!.Reason);
            activity.SetTag("error.type", KafkaTelemetry.ErrorType(error));
        }
        Stop(activity);
    }

    /// <summary>Stops a span on whatever thread delivered the report, leaving that thread's Activity.Current as it was.</summary>
    private static void Stop(Activity activity)
    {
        var current = Activity.Current;
        activity.Stop();
        if (Activity.Current != current)
        {
            Activity.Current = current;
        }
    }

    private static void Fail(Activity? activity, Exception exception)
    {
        if (activity is null)
        {
            return;
        }
        activity.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity.SetTag("error.type", exception.GetType().FullName);
        Stop(activity);
    }
}
