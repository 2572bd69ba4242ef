using System.ComponentModel.DataAnnotations;
using ReelMetrics.Contracts;

namespace ReelMetrics.Consumer;

/// <summary>Configuration section <c>Consumer</c>.</summary>
public sealed class ConsumerOptions
{
    public const string Section = "Consumer";

    [Required] public string Topic { get; set; } = Topics.TicketSales;

    [Required] public string DeadLetterTopic { get; set; } = Topics.DeadLetters;

    [Required] public string GroupId { get; set; } = "reelmetrics-consumer";

    /// <summary>Most events stored in one transaction.</summary>
    [Range(1, 100_000)] public int MaxBatchSize { get; set; } = 20_000;

    /// <summary>How long a batch may wait to fill up after its first event: the floor of freshness at low rates.</summary>
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(25);

    /// <summary>A ticket price above this is absurd and dead-lettered.</summary>
    [Range(1, 10_000)] public decimal MaxTicketPrice { get; set; } = 100m;

    /// <summary>How often the live cache is checked for a flush or a replaced Redis.</summary>
    public TimeSpan CacheCheckInterval { get; set; } = TimeSpan.FromSeconds(2);
}
