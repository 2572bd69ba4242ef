using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ReelMetrics.Contracts.Live;
using StackExchange.Redis;

namespace ReelMetrics.Api.Caching;

/// <summary>
/// Reports whether hot reads come from Redis. Registered as Degraded on failure, never Unhealthy: without Redis
/// (or before the consumer has built the cache) every answer still comes, from PostgreSQL, so the API is serving.
/// </summary>
internal sealed class LiveCacheHealthCheck(IServiceProvider services, IOptions<ApiOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!options.Value.UseCache) return HealthCheckResult.Healthy("The cache is off: every answer comes from PostgreSQL.");
        var failure = context.Registration.FailureStatus;
        if (services.GetService<IConnectionMultiplexer>() is not { } redis)
        {
            return new HealthCheckResult(failure, "No Redis is configured: every answer comes from PostgreSQL.");
        }
        try
        {
            return await redis.GetDatabase().KeyExistsAsync(LiveKeys.Built)
                ? HealthCheckResult.Healthy("Hot reads come from the live aggregates in Redis.")
                : new HealthCheckResult(failure, "The live aggregates in Redis are not complete yet: answers come from PostgreSQL.");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return new HealthCheckResult(failure, "Redis does not answer: answers come from PostgreSQL.", ex);
        }
    }
}
