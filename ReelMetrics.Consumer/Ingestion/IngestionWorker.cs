using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Npgsql;
using ReelMetrics.ServiceDefaults.Kafka;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// The consume loop: take a batch off Kafka, store it (PostgreSQL, then Redis), dead-letter what
/// cannot be used, and only then commit the offsets. A crash anywhere before the commit means
/// redelivery, which the store recognises, so no sale is lost and none is counted twice.
/// </summary>
internal sealed class IngestionWorker(
    IConsumer<string, byte[]> consumer,
    IProducer<string, byte[]> deadLetterProducer,
    BatchProcessor processor,
    LiveAggregates live,
    IngestionMetrics metrics,
    IOptions<ConsumerOptions> options,
    ILogger<IngestionWorker> logger) : BackgroundService
{
    private const int MaxLinksPerBatchSpan = 32;
    private readonly ConsumerOptions settings = options.Value;

    // Confluent's Consume blocks: the loop gets a thread of its own instead of a pool thread.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => RunAsync(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        consumer.Subscribe(settings.Topic);
        logger.LogInformation("Consuming {Topic} as group {Group}", settings.Topic, settings.GroupId);
        var nextCacheCheck = DateTimeOffset.MinValue;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (DateTimeOffset.UtcNow >= nextCacheCheck)
                {
                    await live.RebuildIfNeededAsync(stoppingToken);
                    nextCacheCheck = DateTimeOffset.UtcNow + settings.CacheCheckInterval;
                }

                var batch = Collect(stoppingToken);
                if (batch.Count == 0) continue;

                await ProcessUntilStoredAsync(batch, stoppingToken);
                Commit(batch);
                ReportLag();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: whatever was not committed is redelivered to whoever consumes next.
        }
        finally
        {
            consumer.Close();   // leaves the group at once, so its partitions move without waiting for a timeout
            logger.LogInformation("Consumer stopped");
        }
    }

    /// <summary>Up to MaxBatchSize messages, waiting at most MaxBatchWait after the first.</summary>
    private List<ConsumeResult<string, byte[]>> Collect(CancellationToken stoppingToken)
    {
        var batch = new List<ConsumeResult<string, byte[]>>();
        var first = Consume(TimeSpan.FromMilliseconds(250));
        if (first is null) return batch;
        batch.Add(first);
        var deadline = Stopwatch.GetTimestamp() + (long)(settings.MaxBatchWait.TotalSeconds * Stopwatch.Frequency);
        while (batch.Count < settings.MaxBatchSize && !stoppingToken.IsCancellationRequested)
        {
            var remaining = TimeSpan.FromSeconds((deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);
            var next = Consume(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            if (next is null) break;
            batch.Add(next);
        }
        return batch;
    }

    /// <summary>One message, or null. Errors the client reports are logged; only fatal ones stop the loop.</summary>
    private ConsumeResult<string, byte[]>? Consume(TimeSpan timeout)
    {
        try
        {
            return consumer.Consume(timeout);
        }
        catch (ConsumeException ex) when (ex.Error.Code == ErrorCode.Local_AutoOffsetReset)
        {
            // The broker no longer has the events we were due to read (retention): they can never be stored.
            // Loud, and counted, because it breaks the promise that no sale is lost.
            metrics.OffsetReset();
            logger.LogCritical("Events were lost before they could be consumed: {Reason}", ex.Error.Reason);
            return null;
        }
        catch (ConsumeException ex) when (!ex.Error.IsFatal)
        {
            logger.LogWarning("Consuming failed ({Code}: {Reason}); carrying on", ex.Error.Code, ex.Error.Reason);
            return null;
        }
    }

    /// <summary>Retries while PostgreSQL is unavailable: the batch stays in hand, nothing is committed.</summary>
    private async Task ProcessUntilStoredAsync(List<ConsumeResult<string, byte[]>> batch, CancellationToken stoppingToken)
    {
        var messages = batch.Select(r => new RawMessage(
            new MessageCoordinates(r.Topic, r.Partition.Value, r.Offset.Value), r.Message.Key, r.Message.Value ?? [], r.Message.Timestamp.UtcDateTime)).ToList();
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            using var activity = StartBatchActivity(batch);
            try
            {
                var outcome = await processor.ProcessAsync(messages, stoppingToken);
                activity?.SetTag("reelmetrics.sales.stored", outcome.Stored);
                activity?.SetTag("reelmetrics.sales.duplicates", outcome.Duplicates);
                activity?.SetTag("reelmetrics.sales.dead_letters", outcome.DeadLetters.Count);
                PublishDeadLetters(outcome.DeadLetters);
                return;
            }
            catch (Exception ex) when (IsTransient(ex) && !stoppingToken.IsCancellationRequested)
            {
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                logger.LogWarning("Storing a batch of {Count} failed (attempt {Attempt}: {Message}); retrying in {Delay} ms",
                    batch.Count, attempt, ex.Message, delay.TotalMilliseconds);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        NpgsqlException npgsql => npgsql.IsTransient || npgsql is PostgresException { SqlState: "40P01" or "40001" or "57P01" or "57P02" or "57P03" },
        IOException or TimeoutException or System.Net.Sockets.SocketException => true,
        InvalidOperationException when ex.InnerException is not null => IsTransient(ex.InnerException),
        _ => false,
    };

    /// <summary>One span per batch, linked to the spans that produced its messages.</summary>
    private static Activity? StartBatchActivity(List<ConsumeResult<string, byte[]>> batch)
    {
        if (!IngestionMetrics.ActivitySource.HasListeners()) return null;
        var links = new List<ActivityLink>();
        foreach (var result in batch)
        {
            if (KafkaTraceContext.TryExtract(result.Message.Headers, out var context)) links.Add(new ActivityLink(context));
            if (links.Count == MaxLinksPerBatchSpan) break;
        }
        var activity = IngestionMetrics.ActivitySource.StartActivity($"{batch[0].Topic} process", ActivityKind.Consumer, default(ActivityContext), links: links);
        activity?.SetTag("messaging.system", "kafka");
        activity?.SetTag("messaging.batch.message_count", batch.Count);
        return activity;
    }

    /// <summary>Dead letters also go to a topic, for whoever wants to replay them; the table is the record.</summary>
    private void PublishDeadLetters(IReadOnlyList<DeadLetter> deadLetters)
    {
        if (deadLetters.Count == 0) return;
        foreach (var letter in deadLetters)
        {
            logger.LogWarning("Dead letter {Reason} at {Topic}/{Partition}@{Offset}: {Detail}",
                letter.Reason, letter.Source.Topic, letter.Source.Partition, letter.Source.Offset, letter.Detail);
            var headers = new Headers
            {
                { "reason", System.Text.Encoding.UTF8.GetBytes(letter.Reason) },
                { "detail", System.Text.Encoding.UTF8.GetBytes(letter.Detail) },
                { "source", System.Text.Encoding.UTF8.GetBytes($"{letter.Source.Topic}/{letter.Source.Partition}@{letter.Source.Offset}") },
            };
            deadLetterProducer.Produce(settings.DeadLetterTopic, new Message<string, byte[]> { Key = letter.Key!, Value = letter.Payload, Headers = headers },
                report =>
                {
                    if (report.Error.IsError) logger.LogError("Could not publish a dead letter to {Topic}: {Error}", settings.DeadLetterTopic, report.Error.Reason);
                });
        }
        deadLetterProducer.Flush(TimeSpan.FromSeconds(10));
    }

    private void Commit(List<ConsumeResult<string, byte[]>> batch)
    {
        var offsets = batch
            .GroupBy(r => r.TopicPartition)
            .Select(g => new TopicPartitionOffset(g.Key, new Offset(g.Max(r => r.Offset.Value) + 1)))
            .ToList();
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException ex)
        {
            // Stored already, so nothing is lost: at worst the batch is redelivered and recognised as duplicates.
            logger.LogWarning("Committing offsets failed ({Reason}); the batch may be redelivered and will be deduplicated", ex.Error.Reason);
        }
    }

    private void ReportLag()
    {
        long lag = 0;
        foreach (var partition in consumer.Assignment)
        {
            var watermarks = consumer.GetWatermarkOffsets(partition);
            var position = consumer.Position(partition);
            if (watermarks.High.Value >= 0 && position.Value >= 0) lag += watermarks.High.Value - position.Value;
        }
        metrics.Lag(lag);
    }
}
