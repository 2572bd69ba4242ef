using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace ReelMetrics.LocalInfrastructure.Hosting;

/// <summary>Readiness as <c>WaitFor</c> understands it: a health check that passes when a probe of the resource succeeds.</summary>
internal static class ReadinessChecks
{
    /// <summary>
    /// Registers the health check <c>&lt;resource&gt;-ready</c>, which passes when <paramref name="probe"/> completes without
    /// throwing within <paramref name="timeout"/> (5 s when not given).
    /// </summary>
    public static IResourceBuilder<T> WithReadinessCheck<T>(
        this IResourceBuilder<T> builder, Func<T, CancellationToken, Task> probe, TimeSpan? timeout = null)
        where T : IResource
    {
        var key = $"{builder.Resource.Name}-ready";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            key,
            _ => new DelegateHealthCheck(ct => probe(builder.Resource, ct)),
            failureStatus: HealthStatus.Unhealthy,
            tags: null,
            timeout: timeout ?? TimeSpan.FromSeconds(5)));
        return builder.WithHealthCheck(key);
    }

    /// <summary>PostgreSQL (a server or one of its databases) is ready when a connection to it opens.</summary>
    public static async Task PostgresAnswersAsync(IResourceWithConnectionString resource, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(await resource.ConnectionStringExpression.GetValueAsync(cancellationToken));
        await connection.OpenAsync(cancellationToken);
    }

    private sealed class DelegateHealthCheck(Func<CancellationToken, Task> probe) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await probe(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }
    }
}
