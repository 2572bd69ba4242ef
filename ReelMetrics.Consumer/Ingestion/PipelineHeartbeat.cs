using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Writes this process's row of <c>pipeline_heartbeats</c> every <see cref="ConsumerOptions.HeartbeatInterval"/>:
/// the newest sale it stored, its lag, the sales it stored in the last minute and the partitions it owns. The APIs
/// read these rows to say whether the pipeline is live, lagging or stalled (<c>GET /status</c>). A clean shutdown
/// marks the row stopped, so the APIs need not wait for it to go stale. Runs beside the ingestion worker, so a
/// worker stuck on something still shows as a consumer that is alive but makes no progress.
/// </summary>
internal sealed class PipelineHeartbeat(
    NpgsqlDataSource database, IngestionMetrics metrics, TimeProvider clock,
    IOptions<ConsumerOptions> options, ILogger<PipelineHeartbeat> logger) : BackgroundService
{
    /// <summary>Rows of consumers that have not beaten for this long are deleted when a consumer starts.</summary>
    private static readonly TimeSpan Forgotten = TimeSpan.FromDays(1);

    private readonly Guid consumerId = Guid.NewGuid();
    private readonly DateTimeOffset startedAt = clock.GetUtcNow();
    private DateTimeOffset? backlogSince;
    private bool failing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ForgetOldRowsAsync(stoppingToken);
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, clock);
        do
        {
            await BeatAsync(stopped: false, stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).AsTask().ContinueWith(t => t.IsCompletedSuccessfully && t.Result, TaskScheduler.Default));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // The last word: this consumer is gone, whatever its last heartbeat says.
        await BeatAsync(stopped: true, cancellationToken);
    }

    private async Task BeatAsync(bool stopped, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (lag, partitions) = Lag();
        backlogSince = lag > 0 ? backlogSince ?? now : null;
        var progress = metrics.Progress.Snapshot(now);
        try
        {
            await using var command = database.CreateCommand("""
                insert into pipeline_heartbeats (consumer_id, host, started_at, heartbeat_at, stopped_at, newest_sold_at, newest_stored_at,
                                                 last_batch_at, consumer_lag, backlog_since, sales_last_minute, partitions)
                values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                on conflict (consumer_id) do update set
                    heartbeat_at = excluded.heartbeat_at, stopped_at = excluded.stopped_at, newest_sold_at = excluded.newest_sold_at,
                    newest_stored_at = excluded.newest_stored_at, last_batch_at = excluded.last_batch_at, consumer_lag = excluded.consumer_lag,
                    backlog_since = excluded.backlog_since, sales_last_minute = excluded.sales_last_minute, partitions = excluded.partitions
                """);
            command.Parameters.Add(new() { Value = consumerId });
            command.Parameters.Add(new() { Value = Environment.MachineName + "/" + Environment.ProcessId });
            command.Parameters.Add(new() { Value = startedAt });
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = stopped ? now : DBNull.Value });
            command.Parameters.Add(new() { Value = (object?)progress.NewestSoldAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = (object?)progress.NewestStoredAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = (object?)progress.LastBatchAt ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = lag });
            command.Parameters.Add(new() { Value = (object?)backlogSince ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new() { Value = progress.SalesLastMinute });
            command.Parameters.Add(new() { Value = partitions });
            await command.ExecuteNonQueryAsync(cancellationToken);
            if (failing) logger.LogInformation("Pipeline heartbeats are written again");
            failing = false;
        }
        catch (Exception ex) when ((ex is NpgsqlException or TimeoutException) && !cancellationToken.IsCancellationRequested)
        {
            // PostgreSQL is away: the worker holds its batch and retries; the APIs see no heartbeat, which is the truth.
            if (!failing) logger.LogWarning("Writing the pipeline heartbeat failed ({Reason}); retrying every beat", ex.Message);
            failing = true;
        }
    }

    /// <summary>
    /// Messages on this consumer's partitions not yet consumed, and how many partitions it owns. Read from the
    /// client's own state (librdkafka's calls are thread-safe); while the client cannot say, the worker's last figure.
    /// </summary>
    /// <summary>
    /// The lag and partitions the worker reported after its last poll. Read from the metrics, never from the Kafka consumer
    /// itself: the consumer belongs to the worker's thread (calls into it from this one were the prime suspect when a CI
    /// chaos run saw a consumer stop making progress).
    /// </summary>
    private (long Lag, int Partitions) Lag() => (metrics.LastLag, metrics.LastPartitions);

    private async Task ForgetOldRowsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = database.CreateCommand("delete from pipeline_heartbeats where heartbeat_at < $1");
            command.Parameters.Add(new() { Value = clock.GetUtcNow() - Forgotten });
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException ex)
        {
            logger.LogWarning("Could not delete old pipeline heartbeats ({Reason}); they are ignored anyway", ex.Message);
        }
    }
}
