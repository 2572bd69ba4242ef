using System.Diagnostics;
using Aspire.Confluent.Kafka;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// The consume loop: take a batch off Kafka, store it (PostgreSQL, then Redis), dead-letter what
/// cannot be used, and only then commit the offsets. A crash anywhere before the commit means
/// redelivery, which the store recognises, so no sale is lost and none is counted twice.
/// </summary>
/// <remarks>
/// Nothing stops it. A message that cannot be stored is isolated and dead-lettered (<see cref="BatchProcessor"/>).
/// While PostgreSQL or Redis fails, the batch is held and retried with exponential backoff and jitter, health turns
/// Degraded, then Unhealthy (<see cref="IngestionHealth"/>). If the loop dies anyway, it is restarted in-process
/// from the last committed offsets, loudly. Dead letters reach the dead-letter topic through
/// <see cref="DeadLetterPublisher"/>, so publishing never holds up ingestion.
/// </remarks>
internal sealed class IngestionWorker(
    IConsumer<string, byte[]> consumer,
    BatchProcessor processor,
    LostEventsDetector losses,
    IngestionHealth health,
    IngestionMetrics metrics,
    TimeProvider clock,
    IOptions<ConsumerOptions> options,
    ILogger<IngestionWorker> logger) : BackgroundService
{
    private const int MaxLinksPerBatchSpan = 32;
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);
    private readonly ConsumerOptions settings = options.Value;

    private readonly ResiliencePipeline storeRetry = new ResiliencePipelineBuilder { TimeProvider = clock }
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<Exception>(IngestionFailures.IsInfrastructure),
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(100),
            MaxDelay = options.Value.MaxRetryDelay,
            OnRetry = retry =>
            {
                var reason = SafeText.Of(retry.Outcome.Exception?.Message ?? "unknown", 500);
                metrics.StoreRetried();
                health.StoringFailed(reason);
                logger.LogWarning("Storing a batch failed (attempt {Attempt}: {Reason}); holding it and retrying in {Delay} ms",
                    retry.AttemptNumber + 1, reason, (int)retry.RetryDelay.TotalMilliseconds);
                return default;
            },
        })
        .Build();

    // Confluent's Consume blocks: the loop gets a thread of its own instead of a pool thread.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => SuperviseAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    /// <summary>Runs the loop, and runs it again if it dies: the process never exits because of ingestion.</summary>
    private async Task SuperviseAsync(CancellationToken stoppingToken)
    {
        consumer.Subscribe(settings.Topic);
        logger.LogInformation("Consuming {Topic} as group {Group}", settings.Topic, settings.GroupId);
        var restartDelay = TimeSpan.FromSeconds(1);
        var restarted = false;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    if (restarted) RewindToCommitted();
                    await RunAsync(stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    // Shutting down: whatever was not committed is redelivered to whoever consumes next.
                }
                catch (Exception ex)
                {
                    restarted = true;
                    metrics.WorkerRestarted();
                    health.WorkerRestarting(SafeText.Of(ex.Message, 500));
                    logger.LogCritical(ex, "The ingestion worker died; restarting it in {Delay} s from the last committed offsets (nothing is lost)",
                        restartDelay.TotalSeconds);
                    await Task.Delay(restartDelay, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                    restartDelay = TimeSpan.FromTicks(Math.Min(restartDelay.Ticks * 2, MaxRestartDelay.Ticks));
                }
            }
        }
        finally
        {
            consumer.Close();   // leaves the group at once, so its partitions move without waiting for a timeout
            logger.LogInformation("Consumer stopped");
        }
    }

    /// <summary>
    /// Two batches at a time: while one is being stored (PostgreSQL, then Redis, on the thread pool), the next is taken
    /// off Kafka and parsed here, and it keeps growing until the store is done, so batches are large while the consumer
    /// is behind and small when it has caught up. Batches are stored one after the other, and a batch's offsets are
    /// committed only once it is stored.
    /// </summary>
    private async Task RunAsync(CancellationToken stoppingToken)
    {
        health.Running();
        Task? storing = null;
        Batch inStore = new();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var batch = Collect(storing, stoppingToken);
                if (storing is not null)
                {
                    await storing;
                    var startedOver = Commit(inStore);
                    if (startedOver.Count > 0)
                    {
                        // Read again from the beginning of those partitions: what was taken of them meanwhile comes again.
                        batch.Messages.RemoveAll(m => startedOver.Contains(new TopicPartition(m.Source.Topic, m.Source.Partition)));
                    }
                    ReportLag();
                }
                else if (batch.Messages.Count == 0)
                {
                    StartOverIfTheBrokerForgotWhileIdle();
                }
                (storing, inStore) = batch.Messages.Count == 0 ? (null, new()) : (Task.Run(() => StoreAsync(batch, stoppingToken), CancellationToken.None), batch);
            }
        }
        finally
        {
            // Leaving (shutting down, or the loop died): let a store in flight finish or fail before the consumer closes.
            // Its offsets are not committed; whoever reads next gets its messages again and recognises them.
            if (storing is not null) await storing.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>After the loop died: read again from the last committed offsets, so the batch in hand is not skipped.</summary>
    private void RewindToCommitted()
    {
        losses.ForgetAll();
        var assignment = consumer.Assignment;
        if (assignment.Count == 0) return;
        foreach (var committed in consumer.Committed(assignment, TimeSpan.FromSeconds(10)))
        {
            consumer.Seek(committed.Offset.Value >= 0 ? committed : new TopicPartitionOffset(committed.TopicPartition, Offset.Beginning));
        }
        logger.LogWarning("Rewound {Count} partitions to their committed offsets", assignment.Count);
    }

    // The partitions this consumer has committed offsets of, and when the broker was last asked (while idle) whether it still has them.
    private readonly HashSet<TopicPartition> committedHere = [];
    private long nextIdleCheck;

    /// <summary>
    /// A partition whose committed offset the broker no longer has, although this consumer committed one, belongs to a
    /// broker that started over empty (a restarted local broker: its topics begin again at offset 0). The consumer's
    /// position may then lie inside or at the end of the new log, and the messages before it would never be read; it
    /// reads such partitions again from their beginning instead (the store tells the sales it has by event id or message
    /// identity). Asked before every commit, and every few seconds while idle.
    /// </summary>
    /// <returns>
    /// <c>HoldBack</c>: the partitions whose offsets must not be committed now: read again from the beginning, or not
    /// known (the broker did not answer: a broker that has just started over may not know its groups yet, and a commit
    /// then would hide that it forgot; the next batch commits them, or a redelivery is recognised). <c>StartedOver</c>:
    /// the partitions read again from the beginning.
    /// </returns>
    private (IReadOnlySet<TopicPartition> HoldBack, IReadOnlySet<TopicPartition> StartedOver) StartOverWhereTheBrokerForgot(IEnumerable<TopicPartition> partitions)
    {
        var none = new HashSet<TopicPartition>();
        var mine = partitions.Where(committedHere.Contains).ToList();
        if (mine.Count == 0) return (none, none);
        List<TopicPartitionOffset> committed;
        try
        {
            committed = consumer.Committed(mine, TimeSpan.FromSeconds(5));
        }
        catch (KafkaException)
        {
            return (mine.ToHashSet(), none);
        }
        var forgotten = committed.Where(c => c.Offset.Value < 0).Select(c => c.TopicPartition).ToHashSet();
        if (forgotten.Count == 0) return (none, none);
        foreach (var partition in forgotten)
        {
            committedHere.Remove(partition);
            consumer.Seek(new TopicPartitionOffset(partition, Offset.Beginning));
        }
        losses.Forget(forgotten);
        logger.LogWarning("The broker no longer has this group's committed offsets of {Count} partitions ({Partitions}): it started over; reading them again from the beginning",
            forgotten.Count, string.Join(", ", forgotten.Select(p => p.Partition.Value)));
        return (forgotten, forgotten);
    }

    private void StartOverIfTheBrokerForgotWhileIdle()
    {
        if (committedHere.Count == 0 || Environment.TickCount64 < nextIdleCheck) return;
        nextIdleCheck = Environment.TickCount64 + (long)IdleCheckInterval.TotalMilliseconds;
        StartOverWhereTheBrokerForgot(consumer.Assignment);
    }

    private static readonly TimeSpan IdleCheckInterval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan StorePollInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Up to MaxBatchSize messages or MaxBatchBytes of payload, each parsed as it arrives. It goes on while
    /// <paramref name="storing"/> (the batch before) is being stored, and for at most MaxBatchWait after its first
    /// message once that is done; it ends at once, empty, when the store is done and nothing has arrived.
    /// </summary>
    private Batch Collect(Task? storing, CancellationToken stoppingToken)
    {
        var batch = new Batch(traced: IngestionMetrics.ActivitySource.HasListeners());
        var deadline = long.MaxValue;
        while (batch.Messages.Count < settings.MaxBatchSize && batch.Bytes < settings.MaxBatchBytes && !stoppingToken.IsCancellationRequested)
        {
            var storeDone = storing is null || storing.IsCompleted;
            TimeSpan timeout;
            if (!storeDone) timeout = StorePollInterval;
            else if (batch.Messages.Count > 0) timeout = TimeSpan.FromSeconds(Math.Max(0, deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            else if (storing is not null) break;   // stored, and nothing waiting: go and commit it
            else timeout = IdleWait;

            var next = Consume(timeout);
            if (next is null)
            {
                if (storeDone) break;
                continue;
            }
            if (batch.Messages.Count == 0) deadline = Stopwatch.GetTimestamp() + (long)(settings.MaxBatchWait.TotalSeconds * Stopwatch.Frequency);
            batch.Add(next);
        }
        return batch;
    }

    /// <summary>
    /// The messages of one batch as the store takes them, each parsed when it arrived (beside the store of the batch
    /// before), and links to the spans that produced the first of them. Kafka's own objects for a message (its result,
    /// headers, key and timestamp objects) are let go as soon as it is read: a batch lives for seconds, and whatever
    /// lives that long the GC copies from generation to generation. A message's identity (a hash of all of it) is
    /// worked out only when something reads it: a dead letter, an original-format sale, a replay.
    /// </summary>
    private sealed class Batch(bool traced = false)
    {
        public List<RawMessage> Messages { get; } = [];
        public List<ActivityLink> Links { get; } = [];
        public long Bytes { get; private set; }

        public void Add(ConsumeResult<string, byte[]> result)
        {
            var message = new RawMessage(new MessageCoordinates(result.Topic, result.Partition.Value, result.Offset.Value),
                result.Message.Key, result.Message.Value ?? [], result.Message.Timestamp.UnixTimestampMs);
            _ = message.Parsed;
            Messages.Add(message);
            Bytes += message.Payload.Length;
            if (traced && Links.Count < MaxLinksPerBatchSpan && KafkaTraceContext.TryExtract(result.Message.Headers, out var context))
            {
                Links.Add(new ActivityLink(context));
            }
        }
    }

    /// <summary>One message, or null. Errors the client reports are logged; a fatal one ends the loop (and restarts it).</summary>
    private ConsumeResult<string, byte[]>? Consume(TimeSpan timeout)
    {
        ConsumeResult<string, byte[]>? result;
        try
        {
            result = consumer.Consume(timeout);
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            logger.LogWarning("Consuming failed ({Code}: {Reason}); carrying on", ex.Error.Code, ex.Error.Reason);
            return null;
        }
        if (result is { IsPartitionEOF: false }) CheckForLostEvents(result);
        return result is { IsPartitionEOF: false } ? result : null;
    }

    private void CheckForLostEvents(ConsumeResult<string, byte[]> result)
    {
        long lost;
        try
        {
            lost = losses.Check(consumer, result);
        }
        catch (KafkaException ex)
        {
            logger.LogWarning("Could not check {Partition} for lost events ({Reason})", result.TopicPartition, ex.Error.Reason);
            return;
        }
        if (lost == 0) return;
        metrics.EventsLost(lost);
        health.EventsWereLost(lost);
        // Loud, and counted, because it breaks the promise that no sale is lost.
        logger.LogCritical("{Lost} events were lost on {Partition} before offset {Offset}: the broker deleted them before they were consumed",
            lost, result.TopicPartition, result.Offset.Value);
    }

    /// <summary>Stores the batch, holding it and retrying for as long as the infrastructure fails.</summary>
    private async Task StoreAsync(Batch batch, CancellationToken stoppingToken)
    {
        var messages = batch.Messages;
        await storeRetry.ExecuteAsync(async token =>
        {
            using var activity = StartBatchActivity(batch);
            try
            {
                var outcome = await processor.ProcessAsync(messages, token);
                activity?.SetTag("reelmetrics.sales.stored", outcome.Stored);
                activity?.SetTag("reelmetrics.sales.duplicates", outcome.Duplicates);
                activity?.SetTag("reelmetrics.sales.dead_letters", outcome.DeadLetters.Count);
                LogDeadLetters(outcome.DeadLetters);
            }
            catch (Exception ex)
            {
                activity?.SetStatus(ActivityStatusCode.Error, SafeText.Of(ex.Message, 500));
                throw;
            }
        }, stoppingToken);
        health.Stored();
    }

    private void LogDeadLetters(IReadOnlyList<DeadLetter> deadLetters)
    {
        if (deadLetters.Count == 0) return;
        foreach (var letter in deadLetters.Take(10))
        {
            logger.LogWarning("Dead letter {Reason} at {Topic}/{Partition}@{Offset}: {Detail}",
                letter.Reason, letter.Source.Topic, letter.Source.Partition, letter.Source.Offset, letter.Detail);
        }
        if (deadLetters.Count > 10)
        {
            logger.LogWarning("{Count} more dead letters in this batch: {Reasons}", deadLetters.Count - 10,
                string.Join(", ", deadLetters.Skip(10).GroupBy(l => l.Reason).Select(g => $"{g.Key} {g.Count()}")));
        }
    }

    /// <summary>One span per batch, linked to the spans that produced its messages.</summary>
    private static Activity? StartBatchActivity(Batch batch)
    {
        if (!IngestionMetrics.ActivitySource.HasListeners()) return null;
        var activity = IngestionMetrics.ActivitySource.StartActivity(
            $"{batch.Messages[0].Source.Topic} process", ActivityKind.Consumer, default(ActivityContext), links: batch.Links);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.batch.message_count", batch.Messages.Count);
        return activity;
    }

    /// <summary>
    /// Commits a stored batch's offsets, of the partitions this consumer still owns. A partition taken away by a
    /// rebalance while the batch was stored belongs to another consumer now, which may have read and committed past
    /// this batch: the broker accepts a commit from any member of the group, and this older offset would move the
    /// group's position back (seen in the chaos test: caught-up partitions behind again, and staying there while no new
    /// messages came). The new owner commits them; what it reads again of this batch is recognised as duplicates.
    /// </summary>
    /// <returns>The partitions read again from the beginning instead (see <see cref="StartOverWhereTheBrokerForgot"/>).</returns>
    private IReadOnlySet<TopicPartition> Commit(Batch batch)
    {
        var owned = consumer.Assignment.ToHashSet();
        var offsets = batch.Messages
            .GroupBy(m => new TopicPartition(m.Source.Topic, m.Source.Partition))
            .Where(g => owned.Contains(g.Key))
            .Select(g => new TopicPartitionOffset(g.Key, new Offset(g.Max(m => m.Source.Offset) + 1)))
            .ToList();
        IReadOnlySet<TopicPartition> startedOver = new HashSet<TopicPartition>();
        try
        {
            (var holdBack, startedOver) = StartOverWhereTheBrokerForgot(offsets.Select(o => o.TopicPartition));
            offsets.RemoveAll(o => holdBack.Contains(o.TopicPartition));
            if (offsets.Count == 0) return startedOver;
            consumer.Commit(offsets);
            foreach (var offset in offsets) committedHere.Add(offset.TopicPartition);
        }
        catch (KafkaException ex)
        {
            // Stored already, so nothing is lost: at worst the batch is redelivered and recognised as duplicates.
            logger.LogWarning("Committing offsets failed ({Reason}); the batch may be redelivered and will be deduplicated", ex.Error.Reason);
        }
        return startedOver;
    }

    private void ReportLag()
    {
        long lag = 0;
        var assignment = consumer.Assignment;
        foreach (var partition in assignment)
        {
            var watermarks = consumer.GetWatermarkOffsets(partition);
            var position = consumer.Position(partition);
            if (watermarks.High.Value >= 0 && position.Value >= 0) lag += watermarks.High.Value - position.Value;
        }
        metrics.Lag(lag, assignment.Count);
    }
}
