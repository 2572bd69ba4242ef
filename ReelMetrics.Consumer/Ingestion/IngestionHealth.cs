using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// What the pipeline is going through, as the health check <c>ingestion</c> reports it: Degraded while storing
/// fails (the batch is held and retried), Unhealthy once that has lasted <see cref="ConsumerOptions.UnhealthyAfter"/>;
/// Degraded while a worker that died restarts; Unhealthy for <see cref="ConsumerOptions.LossAlarmDuration"/> after
/// events were found lost (gone from the broker before they were consumed), with how many.
/// </summary>
internal sealed class IngestionHealth(TimeProvider clock, IOptions<ConsumerOptions> options) : IHealthCheck
{
    private readonly Lock gate = new();
    private DateTimeOffset? failingSince;
    private string? lastFailure;
    private DateTimeOffset? restartingSince;
    private long eventsLost;
    private DateTimeOffset lastLossAt;

    public long EventsLost { get { lock (gate) return eventsLost; } }

    public void Stored()
    {
        lock (gate) (failingSince, lastFailure, restartingSince) = (null, null, null);
    }

    public void StoringFailed(string reason)
    {
        lock (gate) (failingSince, lastFailure) = (failingSince ?? clock.GetUtcNow(), reason);
    }

    public void WorkerRestarting(string reason)
    {
        lock (gate) (restartingSince, lastFailure) = (restartingSince ?? clock.GetUtcNow(), reason);
    }

    public void Running()
    {
        lock (gate) restartingSince = null;
    }

    public void EventsWereLost(long count)
    {
        lock (gate) (eventsLost, lastLossAt) = (eventsLost + count, clock.GetUtcNow());
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var settings = options.Value;
        var now = clock.GetUtcNow();
        lock (gate)
        {
            if (eventsLost > 0 && now - lastLossAt < settings.LossAlarmDuration)
            {
                return Task.FromResult(HealthCheckResult.Unhealthy(
                    $"{eventsLost} events were lost: the broker no longer had them when they were due to be consumed (last at {lastLossAt:O})",
                    data: new Dictionary<string, object> { ["events_lost"] = eventsLost }));
            }
            if (failingSince is { } since)
            {
                var message = $"storing has failed since {since:O}, retrying: {lastFailure}";
                return Task.FromResult(now - since >= settings.UnhealthyAfter ? HealthCheckResult.Unhealthy(message) : HealthCheckResult.Degraded(message));
            }
            if (restartingSince is { } restarting)
            {
                return Task.FromResult(HealthCheckResult.Degraded($"the ingestion worker died at {restarting:O} and is restarting: {lastFailure}"));
            }
        }
        return Task.FromResult(HealthCheckResult.Healthy());
    }
}
