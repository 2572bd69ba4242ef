using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Aspire.Confluent.Kafka;

/// <summary>
/// The ActivitySource and Meter of the Kafka integration, both named <see cref="Name"/>, and the
/// instruments Aspire's Kafka integration reports (same names).
/// </summary>
public static class KafkaTelemetry
{
    /// <summary>Name of the ActivitySource and of the Meter.</summary>
    public const string Name = "ReelMetrics.Kafka";

    /// <summary>The <c>messaging.system</c> tag value on spans and metrics.</summary>
    public const string MessagingSystem = "kafka";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(KafkaTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(KafkaTelemetry).Assembly.GetName().Version?.ToString());

    private static readonly InstrumentAdvice<double> DurationAdvice = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    };

    internal static readonly Counter<long> PublishMessages = Meter.CreateCounter<long>(
        "messaging.publish.messages", "{message}", "Number of messages the producer published (delivery reported, with error.type on failure).");

    internal static readonly Histogram<double> PublishDuration = Meter.CreateHistogram(
        "messaging.publish.duration", "s", "Time from producing a message to its delivery report.", tags: null, DurationAdvice);

    internal static readonly Counter<long> ReceiveMessages = Meter.CreateCounter<long>(
        "messaging.receive.messages", "{message}", "Number of messages the consumer received.");

    internal static readonly Histogram<double> ReceiveDuration = Meter.CreateHistogram(
        "messaging.receive.duration", "s", "Duration of the consume call that returned a message.", tags: null, DurationAdvice);

    private static readonly ConcurrentDictionary<string, string> PublishSpanNames = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> ReceiveSpanNames = new(StringComparer.Ordinal);

    internal static string PublishSpanName(string topic) =>
        PublishSpanNames.Count < 1000 ? PublishSpanNames.GetOrAdd(topic, static t => $"{t} publish") : $"{topic} publish";

    internal static string ReceiveSpanName(string topic) =>
        ReceiveSpanNames.Count < 1000 ? ReceiveSpanNames.GetOrAdd(topic, static t => $"{t} receive") : $"{topic} receive";

    internal static double ElapsedSeconds(long startTimestamp) => Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;

    internal static string ErrorType(Error error) => error.Code.ToString();
}
