using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>The consumer's telemetry: one ActivitySource and one Meter, named after it.</summary>
internal sealed class IngestionMetrics
{
    public const string Name = "ReelMetrics.Consumer";
    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> events;
    private readonly Counter<long> deadLetters;
    private readonly Histogram<int> batchSize;
    private readonly Histogram<double> batchDuration;
    private readonly Histogram<double> freshness;
    private readonly Counter<long> eventsLost;
    private readonly Counter<long> workerRestarts;
    private readonly Counter<long> storeRetries;
    private readonly Counter<long> deadLettersPublished;
    private readonly Counter<long> cacheDrift;
    private long lag;
    private int partitions;

    /// <summary>What has been stored lately, for the pipeline heartbeat.</summary>
    public IngestionProgress Progress { get; } = new();

    /// <summary>The lag last reported by the worker (after its last batch).</summary>
    public long LastLag => Interlocked.Read(ref lag);

    /// <summary>The number of partitions the worker owned when it last reported its lag.</summary>
    public int LastPartitions => Volatile.Read(ref partitions);

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        events = meter.CreateCounter<long>("reelmetrics.consumer.events", "{event}", "Events consumed, by outcome: stored, duplicate, dead_letter.");
        deadLetters = meter.CreateCounter<long>("reelmetrics.consumer.dead_letters", "{event}", "Events dead-lettered, by reason.");
        batchSize = meter.CreateHistogram<int>("reelmetrics.consumer.batch.size", "{event}", "Events per batch.");
        batchDuration = meter.CreateHistogram<double>("reelmetrics.consumer.batch.duration", "s", "Time to store a batch in PostgreSQL and Redis.");
        freshness = meter.CreateHistogram<double>("reelmetrics.consumer.freshness", "s", "From a sale (sold_at) to its being committed to PostgreSQL.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        eventsLost = meter.CreateCounter<long>("reelmetrics.consumer.events_lost", "{event}",
            "Events the broker no longer had when the consumer was due to read them (retention, a reset): lost, never stored.");
        workerRestarts = meter.CreateCounter<long>("reelmetrics.consumer.worker_restarts", "{restart}", "Times the ingestion worker died and was restarted.");
        storeRetries = meter.CreateCounter<long>("reelmetrics.consumer.store_retries", "{retry}", "Batches retried because PostgreSQL or Redis failed.");
        deadLettersPublished = meter.CreateCounter<long>("reelmetrics.consumer.dead_letters_published", "{event}", "Stored dead letters published to the dead-letter topic.");
        cacheDrift = meter.CreateCounter<long>("reelmetrics.consumer.cache_drift", "{value}", "Live cache values found different from PostgreSQL by reconciliation.");
        meter.CreateObservableGauge("reelmetrics.consumer.lag", () => Interlocked.Read(ref lag), "{event}", "Events on the topic not yet consumed.");
    }

    public void Batch(int size, TimeSpan duration)
    {
        batchSize.Record(size);
        batchDuration.Record(duration.TotalSeconds);
    }

    public void Stored(int count) => events.Add(count, new KeyValuePair<string, object?>("outcome", "stored"));

    public void Duplicates(int count) => events.Add(count, new KeyValuePair<string, object?>("outcome", "duplicate"));

    public void DeadLettered(string reason)
    {
        events.Add(1, new KeyValuePair<string, object?>("outcome", "dead_letter"));
        deadLetters.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void Freshness(TimeSpan age) => freshness.Record(age.TotalSeconds);

    public void EventsLost(long count) => eventsLost.Add(count);

    public void WorkerRestarted() => workerRestarts.Add(1);

    public void StoreRetried() => storeRetries.Add(1);

    public void DeadLettersPublished(int count) => deadLettersPublished.Add(count);

    public void CacheDrift(long count) => cacheDrift.Add(count);

    public void Lag(long value, int partitionCount = 0)
    {
        Interlocked.Exchange(ref lag, value);
        Volatile.Write(ref partitions, partitionCount);
    }
}
