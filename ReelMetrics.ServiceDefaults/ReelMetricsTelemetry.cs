namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Naming of ReelMetrics' own telemetry: every component names its <c>ActivitySource</c> and
/// <c>Meter</c> "ReelMetrics.&lt;Component&gt;", so the service defaults can subscribe to all of them.
/// </summary>
public static class ReelMetricsTelemetry
{
    public const string SourcePrefix = "ReelMetrics.";
    public const string MeterPrefix = "ReelMetrics.";
}
