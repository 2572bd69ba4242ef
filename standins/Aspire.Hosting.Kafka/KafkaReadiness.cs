using Confluent.Kafka;

namespace ReelMetrics.AppHost.Infrastructure;

/// <summary>A broker is usable when it answers a metadata request: the same test for container and local Kafka.</summary>
internal static class KafkaReadiness
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
