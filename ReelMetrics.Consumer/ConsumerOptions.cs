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

    /// <summary>
    /// Most events stored in one transaction. Only a consumer that is behind fills a batch; large ones are cheaper per
    /// sale (PostgreSQL upserts each rollup group once per batch): 40,000 drained a backlog 15–28 % faster than 20,000,
    /// for about a third more peak memory (docs/benchmarks.md).
    /// </summary>
    [Range(1, 100_000)] public int MaxBatchSize { get; set; } = 40_000;

    /// <summary>
    /// How long a batch may wait to fill up after its first event, once the batch before it is stored: the floor of
    /// freshness at low rates. While a batch is being stored the next one takes whatever arrives, up to the limits, so
    /// batches grow with the rate whatever this is; at 1,000 sales/s, 5 ms instead of 25 took freshness to commit from
    /// p50 44 / p99 73 ms to 32 / 58 (docs/benchmarks.md).
    /// </summary>
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>A ticket price above this is absurd and dead-lettered.</summary>
    [Range(1, 10_000)] public decimal MaxTicketPrice { get; set; } = 100m;

    /// <summary>Most payload bytes in one batch (a few huge messages must not hold gigabytes in memory).</summary>
    [Range(1_048_576, int.MaxValue)] public int MaxBatchBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>How often the live cache is checked for a flush or a replaced Redis.</summary>
    public TimeSpan CacheCheckInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the live cache is compared with PostgreSQL (today's and yesterday's aggregates); drift is rebuilt.</summary>
    public TimeSpan CacheReconcileInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The catalog (theaters, movies, showtimes) is reloaded at least this often.</summary>
    public TimeSpan CatalogRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>An event naming an unknown theater, movie or showtime reloads the catalog if it is older than this.</summary>
    public TimeSpan CatalogUnknownRecheck { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>The longest pause between retries while PostgreSQL or Redis fails (backoff is exponential with jitter).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Storing failing for this long turns the health check from Degraded to Unhealthy.</summary>
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the health check stays Unhealthy after events were found lost.</summary>
    public TimeSpan LossAlarmDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often this consumer writes its row of <c>pipeline_heartbeats</c> (what <c>GET /status</c> reads).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often stored dead letters not yet on the dead-letter topic are published.</summary>
    public TimeSpan DeadLetterPublishInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How often dead letters an operator asked to replay are looked for (the API marks them; the consumer replays them).</summary>
    public TimeSpan DeadLetterReplayInterval { get; set; } = TimeSpan.FromSeconds(1);
}
