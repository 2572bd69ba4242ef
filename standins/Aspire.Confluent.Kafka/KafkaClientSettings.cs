namespace Aspire.Confluent.Kafka;

/// <summary>
/// Settings of a Kafka producer registered with
/// <see cref="Microsoft.Extensions.Hosting.KafkaClientExtensions.AddKafkaProducer{TKey, TValue}"/>.
/// Bound from <c>Aspire:Confluent:Kafka:Producer</c>, then <c>Aspire:Confluent:Kafka:Producer:&lt;connectionName&gt;</c>.
/// </summary>
public sealed class KafkaProducerSettings : IKafkaClientSettings
{
    /// <summary>
    /// The bootstrap servers (<c>host:port[,host:port...]</c>). <c>ConnectionStrings:&lt;connectionName&gt;</c>
    /// overrides a value bound from the settings sections; when set it becomes <see cref="ClientConfig.BootstrapServers"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The librdkafka configuration. Bound from the <c>Config</c> subsection by property name
    /// (<c>Config:Acks</c>, <c>Config:LingerMs</c>) or by librdkafka name (<c>Config:linger.ms</c>).
    /// </summary>
    public ProducerConfig Config { get; set; } = new();

    ClientConfig IKafkaClientSettings.ClientConfig => Config;

    /// <summary>Whether to skip registering the readiness health check.</summary>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Whether to skip metrics (message counters, durations and librdkafka statistics gauges).</summary>
    public bool DisableMetrics { get; set; }

    /// <summary>Whether to skip creating publish spans and injecting trace context into message headers.</summary>
    public bool DisableTracing { get; set; }

    /// <summary>How long the health check waits for the broker's metadata before reporting Unhealthy.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>
/// Settings of a Kafka consumer registered with
/// <see cref="Microsoft.Extensions.Hosting.KafkaClientExtensions.AddKafkaConsumer{TKey, TValue}"/>.
/// Bound from <c>Aspire:Confluent:Kafka:Consumer</c>, then <c>Aspire:Confluent:Kafka:Consumer:&lt;connectionName&gt;</c>.
/// </summary>
public sealed class KafkaConsumerSettings : IKafkaClientSettings
{
    /// <inheritdoc cref="KafkaProducerSettings.ConnectionString"/>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The librdkafka configuration; <see cref="ConsumerConfig.GroupId"/> is required. Bound from the
    /// <c>Config</c> subsection by property name (<c>Config:GroupId</c>) or by librdkafka name (<c>Config:group.id</c>).
    /// </summary>
    public ConsumerConfig Config { get; set; } = new();

    ClientConfig IKafkaClientSettings.ClientConfig => Config;

    /// <inheritdoc cref="KafkaProducerSettings.DisableHealthChecks"/>
    public bool DisableHealthChecks { get; set; }

    /// <summary>Whether to skip metrics (message counters, durations, librdkafka statistics gauges and consumer lag).</summary>
    public bool DisableMetrics { get; set; }

    /// <summary>Whether to skip creating receive spans.</summary>
    public bool DisableTracing { get; set; }

    /// <inheritdoc cref="KafkaProducerSettings.HealthCheckTimeout"/>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>What the settings binder treats alike in producer and consumer settings.</summary>
internal interface IKafkaClientSettings
{
    string? ConnectionString { get; set; }

    ClientConfig ClientConfig { get; }
}
