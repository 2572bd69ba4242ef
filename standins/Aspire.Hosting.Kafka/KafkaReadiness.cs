using Confluent.Kafka;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>A broker is usable when it answers a metadata request: the same test for container and local Kafka.</summary>
public static class KafkaReadiness
{
    public static void Check(string bootstrapServers) =>
        Check(new AdminClientConfig { BootstrapServers = bootstrapServers, SocketTimeoutMs = 3000 });

    /// <summary>The same test with a client configuration of one's own (e.g. SASL credentials).</summary>
    public static void Check(AdminClientConfig config)
    {
        var bootstrapServers = config.BootstrapServers;
        using var admin = new AdminClientBuilder(config)
        // Until the broker is up every probe fails; the health status says so, librdkafka's log need not.
        .SetLogHandler((_, _) => { })
        .SetErrorHandler((_, _) => { })
        .Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(3));
        if (metadata.Brokers.Count == 0)
        {
            throw new InvalidOperationException($"Kafka at {bootstrapServers} reports no brokers.");
        }
    }
}

/// <summary>
/// The container broker's health check. Ready means usable by every user: the first probe that reaches the broker signs
/// in as the admin and provisions it (<see cref="KafkaSecurity"/>), then every probe asks for metadata as the admin.
/// </summary>
internal sealed class KafkaHealthCheck(KafkaServerResource kafka, Func<string?> connectionString) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var bootstrap = connectionString() ?? throw new InvalidOperationException("Kafka's address is not known yet.");
            var password = await kafka.AdminPassword.GetValueAsync(cancellationToken) ?? "";
            if (!kafka.Provisioned)
            {
                await KafkaSecurity.ProvisionAsync(bootstrap, password, kafka, cancellationToken);
                kafka.Provisioned = true;
            }

            KafkaReadiness.Check(KafkaSecurity.AdminConfig(bootstrap, password));
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(ex.Message, ex);
        }
    }
}
