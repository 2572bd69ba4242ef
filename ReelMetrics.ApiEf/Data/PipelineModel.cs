namespace ReelMetrics.ApiEf.Data;

/// <summary>
/// EF Core's view of the tables of the pipeline's status and the alerts (migration 0007), and of the two columns of
/// sales and dead letters the alert rules read. Applied by <see cref="ReelMetricsDbContext"/>.
/// </summary>
internal static class PipelineModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<PipelineHeartbeatEntity>(heartbeat =>
        {
            heartbeat.ToTable("pipeline_heartbeats");
            heartbeat.HasKey(h => h.ConsumerId);
        });
        modelBuilder.Entity<AlertEntity>(alert =>
        {
            alert.ToTable("alerts");
            alert.HasKey(a => a.AlertId);
            alert.Property(a => a.AlertId).UseIdentityAlwaysColumn();
            alert.Property(a => a.Details).HasColumnType("jsonb");
        });
    }
}

/// <summary>One consumer process's latest heartbeat (times UTC).</summary>
public sealed class PipelineHeartbeatEntity
{
    public Guid ConsumerId { get; init; }
    public DateTime HeartbeatAt { get; init; }
    public DateTime? StoppedAt { get; init; }
    public DateTime? NewestSoldAt { get; init; }
    public DateTime? NewestStoredAt { get; init; }
    public DateTime? LastBatchAt { get; init; }
    public long ConsumerLag { get; init; }
    public DateTime? BacklogSince { get; init; }
    public int SalesLastMinute { get; init; }
    public int Partitions { get; init; }
}

/// <summary>An alert raised by the evaluator; <see cref="Details"/> is JSON (jsonb).</summary>
public sealed class AlertEntity
{
    public long AlertId { get; init; }
    public required string Rule { get; init; }
    public required string Subject { get; init; }
    public required string Severity { get; init; }
    public required string Message { get; init; }
    public required string Details { get; init; }
    public DateTime RaisedAt { get; init; }
    public DateTime? ResolvedAt { get; init; }
}
