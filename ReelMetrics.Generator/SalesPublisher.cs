using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Options;
using ReelMetrics.Contracts;

namespace ReelMetrics.Generator;

/// <summary>A sale the broker did not acknowledge, after <see cref="Attempts"/> attempts.</summary>
/// <param name="MayBeOnTopic">
/// Whether any attempt so far may have reached the topic (<see cref="PersistenceStatus.PossiblyPersisted"/>): once true it
/// stays true, whatever later attempts report, since the consumer will count that copy.
/// </param>
public sealed record UndeliveredSale(TicketSold Sale, int Attempts, PersistenceStatus Status, string Reason, bool MayBeOnTopic)
{
    /// <summary>Attempts after which a sale that is surely not on the topic is given up (its seats go back on sale).</summary>
    public const int MaxAttempts = 5;

    /// <summary>
    /// Whether to publish the same sale (same event id) again: always when it may be on the topic already
    /// (the consumer counts an event id once, so only a retry keeps our totals equal to the database's),
    /// otherwise for a few attempts, since most failures (timeouts, a broker restarting) pass.
    /// </summary>
    public bool ShouldRetry => MayBeOnTopic || Attempts < MaxAttempts;
}

/// <summary>
/// Puts sales on the ticket-sales topic: keyed by theater id (so a theater's sales stay in order on
/// one partition), the value UTF-8 JSON of <see cref="TicketSold"/>. Uses the non-async
/// <c>Produce</c> with a delivery handler, which keeps up with hundreds of thousands of messages a
/// second; counts a sale in <see cref="GeneratorTotals"/> only when the broker acknowledges it and
/// queues the ones it did not, to be published again or given up. One thread publishes.
/// </summary>
public sealed class SalesPublisher(
    IProducer<string, byte[]> producer,
    GeneratorTotals totals,
    IOptions<GeneratorOptions> options,
    ILogger<SalesPublisher> logger) : IDisposable
{
    private const int LoggedFailuresLimit = 10;

    // Short: a broker without CreateTopics support (the local mock) answers only with this timeout.
    private static readonly TimeSpan CreateTopicTimeout = TimeSpan.FromSeconds(3);

    private readonly string topic = options.Value.Topic;
    private readonly ArrayBufferWriter<byte> buffer = new(1024);
    private readonly Dictionary<int, string> keys = [];
    private readonly ConcurrentQueue<UndeliveredSale> undelivered = new();
    private Utf8JsonWriter? writer;
    private long loggedFailures;

    public string Topic => topic;

    /// <summary>
    /// Hands <paramref name="sale"/> to the producer for the first time. False when the producer's local queue is
    /// full: wait a moment (deliveries drain it) and try again.
    /// </summary>
    public bool TryPublish(TicketSold sale) => TryPublish(sale, attempt: 1, mayBeOnTopic: false);

    /// <summary>Hands a sale the broker did not acknowledge to the producer again, with the same event id.</summary>
    public bool TryPublishAgain(UndeliveredSale failed) => TryPublish(failed.Sale, failed.Attempts + 1, failed.MayBeOnTopic);

    private bool TryPublish(TicketSold sale, int attempt, bool mayBeOnTopic)
    {
        var message = new Message<string, byte[]> { Key = KeyOf(sale.TheaterId), Value = Serialize(sale) };
        totals.RecordProduced();   // before Produce: the delivery report may arrive before Produce returns
        try
        {
            producer.Produce(topic, message, report => OnDelivery(report, sale, attempt, mayBeOnTopic));
            return true;
        }
        catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
        {
            totals.RecordNotProduced();
            return false;
        }
        catch
        {
            totals.RecordNotProduced();
            throw;
        }
    }

    /// <summary>A sale the broker did not acknowledge, if any: publish it again or give its seats back.</summary>
    public bool TryTakeUndelivered(out UndeliveredSale sale) => undelivered.TryDequeue(out sale!);

    /// <summary>Waits up to <paramref name="timeout"/> for everything in flight to be acknowledged; returns how many are still waiting.</summary>
    public int Flush(TimeSpan timeout) => producer.Flush(timeout);

    /// <summary>
    /// Creates the topic with <see cref="Topics.TicketSalesPartitions"/> partitions if the broker lets
    /// us. "Already exists" is the usual answer; the local mock broker does not implement CreateTopics
    /// at all, and a broker may forbid it: then the broker's auto-creation (or an operator) decides.
    /// </summary>
    public async Task EnsureTopicAsync(CancellationToken cancellationToken)
    {
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        try
        {
            var metadata = await Task.Run(() => admin.GetMetadata(TimeSpan.FromSeconds(10)), cancellationToken);
            if (metadata.Topics.Any(t => t.Topic == topic && !t.Error.IsError))
            {
                logger.LogDebug("Topic {Topic} exists", topic);
                return;
            }
            await admin.CreateTopicsAsync(
                [new TopicSpecification { Name = topic, NumPartitions = Topics.TicketSalesPartitions, ReplicationFactor = -1 }],
                new CreateTopicsOptions { RequestTimeout = CreateTopicTimeout, OperationTimeout = CreateTopicTimeout })
                .WaitAsync(CreateTopicTimeout + TimeSpan.FromSeconds(1), cancellationToken);
            logger.LogInformation("Created topic {Topic} with {Partitions} partitions", topic, Topics.TicketSalesPartitions);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
            logger.LogDebug("Topic {Topic} already exists", topic);
        }
        catch (Exception e) when (e is KafkaException or TimeoutException)
        {
            logger.LogWarning("Could not create topic {Topic} ({Reason}); relying on the broker to create it on first use",
                topic, e is CreateTopicsException c ? c.Results[0].Error.Reason : e.Message);
        }
    }

    private void OnDelivery(DeliveryReport<string, byte[]> report, TicketSold sale, int attempt, bool mayBeOnTopic)
    {
        if (!report.Error.IsError)
        {
            totals.RecordDelivered(sale);
            return;
        }
        totals.RecordDeliveryFailed();
        undelivered.Enqueue(new UndeliveredSale(sale, attempt, report.Status, report.Error.Reason,
            mayBeOnTopic || report.Status == PersistenceStatus.PossiblyPersisted));
        var failures = Interlocked.Increment(ref loggedFailures);
        if (failures <= LoggedFailuresLimit)
        {
            logger.LogWarning("Sale {EventId} was not delivered (attempt {Attempt}: {Error}, {Status}){More}",
                sale.EventId, attempt, report.Error.Reason, report.Status,
                failures == LoggedFailuresLimit ? "; further failures are only counted" : "");
        }
    }

    /// <summary>UTF-8 JSON through one reused buffer and writer; Confluent needs a byte[] of its own per message.</summary>
    private byte[] Serialize(TicketSold sale)
    {
        buffer.ResetWrittenCount();
        if (writer is null) writer = new Utf8JsonWriter(buffer);
        else writer.Reset(buffer);
        JsonSerializer.Serialize(writer, sale, ContractJson.Default.TicketSold);
        return buffer.WrittenSpan.ToArray();
    }

    private string KeyOf(int theaterId)
    {
        if (!keys.TryGetValue(theaterId, out var key))
        {
            keys[theaterId] = key = theaterId.ToString(CultureInfo.InvariantCulture);
        }
        return key;
    }

    public void Dispose() => writer?.Dispose();
}
