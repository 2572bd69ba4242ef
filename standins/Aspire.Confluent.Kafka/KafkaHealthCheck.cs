using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Confluent.Kafka;

/// <summary>
/// Readiness of a registered Kafka client: a metadata request through an admin client that shares
/// the client's handle (so it checks that very client's connectivity), bounded by a timeout.
/// Results are cached briefly and concurrent checks share one request, so frequent probes do not
/// pile up blocking metadata calls.
/// </summary>
internal sealed class KafkaHealthProbe(IClient client, TimeSpan timeout) : IDisposable
{
    private static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private IAdminClient? _admin;
    private Task<HealthCheckResult>? _pending;
    private (HealthCheckResult Result, long Timestamp)? _cached;
    private bool _disposed;

    public async Task<HealthCheckResult> CheckAsync(CancellationToken cancellationToken)
    {
        Task<HealthCheckResult> check;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_cached is { } cached && TimeProvider.System.GetElapsedTime(cached.Timestamp) < CacheDuration)
            {
                return cached.Result;
            }
            _pending ??= Task.Run(QueryMetadata, CancellationToken.None);
            check = _pending;
        }
        try
        {
            return await check.WaitAsync(timeout + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            return HealthCheckResult.Unhealthy($"Kafka client '{client.Name}': the metadata request did not return.", e);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
        }
        // A running metadata call ends within the timeout; the admin client is disposed after it.
        var pending = _pending;
        if (pending is null || pending.IsCompleted)
        {
            _admin?.Dispose();
        }
        else
        {
            pending.ContinueWith(_ => _admin?.Dispose(), TaskScheduler.Default);
        }
    }

    private HealthCheckResult QueryMetadata()
    {
        HealthCheckResult result;
        try
        {
            IAdminClient admin;
            lock (_lock)
            {
                admin = _admin ??= new DependentAdminClientBuilder(client.Handle).Build();
            }
            // A metadata request for all topics: fails or times out when no broker answers.
            var metadata = admin.GetMetadata(timeout);
            result = metadata.Brokers.Count == 0
                ? HealthCheckResult.Unhealthy($"Kafka client '{client.Name}': the cluster reported no brokers.")
                : HealthCheckResult.Healthy(
                    $"Kafka client '{client.Name}': {metadata.Brokers.Count} broker(s), {metadata.Topics.Count} topic(s).");
        }
        catch (Exception e) when (e is KafkaException or ObjectDisposedException or InvalidOperationException)
        {
            result = HealthCheckResult.Unhealthy($"Kafka client '{client.Name}': no broker answered within {timeout.TotalSeconds:0.#} s.", e);
        }
        lock (_lock)
        {
            _cached = (result, TimeProvider.System.GetTimestamp());
            _pending = null;
        }
        return result;
    }
}

/// <summary>
/// The <see cref="IHealthCheck"/> the health-check service creates per run; the state (admin client,
/// cache) lives in the <see cref="KafkaHealthProbe"/> singleton, which the container disposes.
/// </summary>
internal sealed class KafkaHealthCheck(KafkaHealthProbe probe) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        probe.CheckAsync(cancellationToken);
}
