namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// What this process has stored lately, for its pipeline heartbeat: the newest sale (its sold_at and when it was
/// committed), when the last batch was stored and how many sales in each of the last sixty seconds. Thread-safe:
/// written by the ingestion worker, read by <see cref="PipelineHeartbeat"/>.
/// </summary>
internal sealed class IngestionProgress
{
    private const int WindowSeconds = 60;
    private readonly Lock gate = new();
    private readonly long[] secondOf = new long[WindowSeconds];
    private readonly int[] countIn = new int[WindowSeconds];
    private DateTimeOffset? newestSoldAt;
    private DateTimeOffset? newestStoredAt;
    private DateTimeOffset? lastBatchAt;

    /// <summary>A sale committed at <paramref name="storedAt"/>.</summary>
    public void SaleStored(DateTimeOffset soldAt, DateTimeOffset storedAt)
    {
        lock (gate)
        {
            if (newestSoldAt is { } newest && newest >= soldAt) return;
            (newestSoldAt, newestStoredAt) = (soldAt, storedAt);
        }
    }

    /// <summary>A batch stored at <paramref name="at"/> with <paramref name="sales"/> new sales in it.</summary>
    public void BatchStored(int sales, DateTimeOffset at)
    {
        var second = at.ToUnixTimeSeconds();
        var slot = (int)(second % WindowSeconds);
        lock (gate)
        {
            lastBatchAt = at;
            if (secondOf[slot] != second) (secondOf[slot], countIn[slot]) = (second, 0);
            countIn[slot] += sales;
        }
    }

    /// <summary>What has been stored, as of <paramref name="now"/>: sales of the last sixty seconds included.</summary>
    public ProgressSnapshot Snapshot(DateTimeOffset now)
    {
        var current = now.ToUnixTimeSeconds();
        lock (gate)
        {
            var lastMinute = 0;
            for (var slot = 0; slot < WindowSeconds; slot++)
            {
                if (current - secondOf[slot] is >= 0 and < WindowSeconds) lastMinute += countIn[slot];
            }
            return new ProgressSnapshot(newestSoldAt, newestStoredAt, lastBatchAt, lastMinute);
        }
    }
}

/// <summary>One reading of <see cref="IngestionProgress"/>.</summary>
internal sealed record ProgressSnapshot(DateTimeOffset? NewestSoldAt, DateTimeOffset? NewestStoredAt, DateTimeOffset? LastBatchAt, int SalesLastMinute);
