using System.ComponentModel.DataAnnotations;

namespace ReelMetrics.Api.Status;

/// <summary>
/// The thresholds of the pipeline's state (configuration section <c>Api:Status</c>), reported with every status so
/// an operator sees what decided it. docs/api.md, "Pipeline status", says why these defaults.
/// </summary>
public sealed class StatusOptions
{
    public const string Section = "Api:Status";

    /// <summary>A consumer whose last heartbeat is older than this is gone; with none left the pipeline is stalled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A consumer with messages waiting that has stored nothing for this long makes the pipeline stalled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan StalledAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>More messages than this not yet consumed: lagging.</summary>
    [Range(1, long.MaxValue)] public long LaggingAboveMessages { get; set; } = 1_000;

    /// <summary>The newest sale stored this long after it was sold (while sales flow): lagging.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan LaggingDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the live stream reads the status (and the open alerts) while a stream is open.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")] public TimeSpan LiveReadInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The live stream sends a <c>status</c> event at least this often (at once when the state changes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")] public TimeSpan LiveStatusInterval { get; set; } = TimeSpan.FromSeconds(5);
}
