using System.ComponentModel.DataAnnotations;
using ReelMetrics.Contracts;

namespace ReelMetrics.Generator;

/// <summary>How the generator sells tickets; bound from the <c>Generator</c> configuration section.</summary>
public sealed class GeneratorOptions
{
    public const string SectionName = "Generator";

    /// <summary>The rate when <see cref="Rate"/> is not set outside burst mode: gentle enough to watch.</summary>
    public const double DefaultRate = 20;

    /// <summary>
    /// Sales per second at a demand multiplier of 1 (a weekday afternoon); evenings and weekends run
    /// faster, nights slower. Not set: <see cref="DefaultRate"/>, or as fast as the producer allows in
    /// burst mode. In burst mode a rate is a flat cap.
    /// </summary>
    [Range(0.0, 10_000_000.0, MinimumIsExclusive = true)]
    public double? Rate { get; set; }

    /// <summary>Stop after this many sales the broker acknowledged; 0 = never.</summary>
    [Range(0, long.MaxValue)]
    public long Count { get; set; }

    /// <summary>Stop producing after this long; not set = never.</summary>
    public TimeSpan? Duration { get; set; }

    /// <summary>Seeds the sales model; the same seed (and clock) reproduces the same stream. Not set: random, and logged.</summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Load-test mode: no time-of-day shaping, as fast as the producer allows (or at a flat <see cref="Rate"/>),
    /// selling into every showtime of the window, past and future.
    /// </summary>
    public bool Burst { get; set; }

    [Required]
    public string Topic { get; set; } = Topics.TicketSales;

    /// <summary>Where to write the final totals as JSON when the generator stops; not set = nowhere.</summary>
    public string? TotalsFile { get; set; }

    /// <summary>How often progress is logged.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "1.00:00:00")]
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long stopping may wait for the broker to acknowledge what is in flight.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Whether the process exits (code 0) once <see cref="Count"/> or <see cref="Duration"/> is reached. The AppHost
    /// sets it to false: it would show a finished resource and lose <c>/totals</c>.
    /// </summary>
    public bool ExitWhenDone { get; set; } = true;

    /// <summary>
    /// At most this many sales per second get their own "sell tickets" span (the parent of the Kafka
    /// publish span): a span per sale at load-test rates would cost more than the sale.
    /// </summary>
    [Range(0, 1000)]
    public int TracedSalesPerSecond { get; set; } = 5;
}
