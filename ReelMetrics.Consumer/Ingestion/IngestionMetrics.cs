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
    private readonly Counter<long> offsetResets;
    private long lag;

    public IngestionMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(Name);
        events = meter.CreateCounter<long>("reelmetrics.consumer.events", "{event}", "Events consumed, by outcome: stored, duplicate, dead_letter.");
        deadLetters = meter.CreateCounter<long>("reelmetrics.consumer.dead_letters", "{event}", "Events dead-lettered, by reason.");
        batchSize = meter.CreateHistogram<int>("reelmetrics.consumer.batch.size", "{event}", "Events per batch.");
        batchDuration = meter.CreateHistogram<double>("reelmetrics.consumer.batch.duration", "s", "Time to store a batch in PostgreSQL and Redis.");
        freshness = meter.CreateHistogram<double>("reelmetrics.consumer.freshness", "s", "From a sale (sold_at) to its being committed to PostgreSQL.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });
        offsetResets = meter.CreateCounter<long>("reelmetrics.consumer.offset_resets", "{reset}",
            "Times the broker no longer had the events the consumer was due to read: those events were lost.");
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

    public void OffsetReset() => offsetResets.Add(1);

    public void Lag(long value) => Interlocked.Exchange(ref lag, value);
}
