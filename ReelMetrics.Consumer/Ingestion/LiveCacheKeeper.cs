using Microsoft.Extensions.Options;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Looks after the live cache beside ingestion: rebuilds it from PostgreSQL when it lost its marker or missed a
/// write, and compares it with PostgreSQL every so often (<see cref="LiveAggregates"/>). It runs on its own so that
/// a rebuild, which reads every aggregate PostgreSQL holds, never pauses the ingest loop.
/// </summary>
internal sealed class LiveCacheKeeper(LiveAggregates live, TimeProvider clock, IOptions<ConsumerOptions> options) : BackgroundService
{
    private readonly ConsumerOptions settings = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var nextReconcile = clock.GetUtcNow() + settings.CacheReconcileInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            await live.RebuildIfNeededAsync(stoppingToken);
            if (clock.GetUtcNow() >= nextReconcile)
            {
                await live.ReconcileAsync(stoppingToken);
                nextReconcile = clock.GetUtcNow() + settings.CacheReconcileInterval;
            }
            try
            {
                // Woken early when a write fails, so the APIs go back to Redis as soon as it can be trusted again.
                await live.WaitForWriteFailureAsync(settings.CacheCheckInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
