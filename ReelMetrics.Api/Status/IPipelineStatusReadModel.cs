namespace ReelMetrics.Api.Status;

/// <summary>
/// What <c>GET /status</c> reads from PostgreSQL: the consumers' heartbeats and the dead letters of a period. One
/// implementation per backend (Dapper, EF Core); the state is decided once, in <see cref="PipelineStatusQueries"/>.
/// </summary>
public interface IPipelineStatusReadModel
{
    /// <summary>Every row of pipeline_heartbeats (one per consumer process of the last day), in any order.</summary>
    Task<IReadOnlyList<ConsumerHeartbeat>> GetHeartbeatsAsync(CancellationToken cancellationToken);

    /// <summary>Dead letters received with <paramref name="from"/> ≤ received_at &lt; <paramref name="to"/>, counted by reason, in any order.</summary>
    Task<IReadOnlyList<ReasonCount>> GetDeadLettersByReasonAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>One consumer process's latest heartbeat (times are UTC).</summary>
public sealed record ConsumerHeartbeat(
    Guid ConsumerId, DateTime HeartbeatAt, DateTime? StoppedAt, DateTime? NewestSoldAt, DateTime? NewestStoredAt, DateTime? LastBatchAt,
    long ConsumerLag, DateTime? BacklogSince, int SalesLastMinute, int Partitions);

/// <summary>How many of something (dead letters) there are for one reason.</summary>
public sealed record ReasonCount(string Reason, long Count);
