using System.ComponentModel.DataAnnotations;

namespace ReelMetrics.Api.Alerts;

/// <summary>
/// The alert rules' thresholds (configuration section <c>Api:Alerts</c>). docs/api.md, "Alerts", says what each rule
/// means and why these defaults.
/// </summary>
public sealed class AlertOptions
{
    public const string Section = "Api:Alerts";

    /// <summary>Evaluate the rules in this process (both APIs may: one round at a time runs, under an advisory lock).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the rules are evaluated.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Sell-out watch: a showtime of today with at least this share of its seats sold.</summary>
    [Range(0.01, 1.0)] public double SellOutShare { get; set; } = 0.9;

    /// <summary>Opening hours in each theater's local time: the quiet-theater rule only counts silence between these.</summary>
    public TimeOnly OpensAt { get; set; } = new(10, 0);

    /// <summary>See <see cref="OpensAt"/>; earlier than <see cref="OpensAt"/> means past midnight.</summary>
    public TimeOnly ClosesAt { get; set; } = new(23, 0);

    /// <summary>Quiet theater: silence shorter than this is never unusual.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")] public TimeSpan QuietMinimum { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Quiet theater: silence longer than this many times the theater's usual gap between sales is unusual.</summary>
    [Range(1.0, 1000.0)] public double QuietMultiple { get; set; } = 6;

    /// <summary>Days before today whose sales give a theater's usual gap between sales.</summary>
    [Range(1, 60)] public int QuietBaselineDays { get; set; } = 7;

    /// <summary>A theater with fewer sales than this over the baseline days has no usual rhythm to break: not watched.</summary>
    [Range(1, long.MaxValue)] public long QuietMinimumBaselineSales { get; set; } = 50;

    /// <summary>
    /// Pipeline stalled: raised only when the pipeline has been found stalled for this long (every round in between).
    /// A whole system starting takes up to a minute before its consumer first reports, and a restarted consumer
    /// reports again within seconds: neither is worth a critical alert. The status (and the dashboard's header) say
    /// "stalled" at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")] public TimeSpan PipelineStalledFor { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Dead letters rising: counted over this window.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")] public TimeSpan DeadLetterWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Dead letters rising: this many in the window, whatever came before.</summary>
    [Range(1, long.MaxValue)] public long DeadLetterBurst { get; set; } = 50;

    /// <summary>Dead letters rising: the window's count above this multiple of the previous hour's rate (per window)…</summary>
    [Range(1.0, 1000.0)] public double DeadLetterRiseFactor { get; set; } = 3;

    /// <summary>…and at least this many in the window (a handful is not a rise).</summary>
    [Range(1, long.MaxValue)] public long DeadLetterRiseMinimum { get; set; } = 10;
}
