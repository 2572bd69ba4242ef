using Aspire.Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Registers Confluent.Kafka producers and consumers with configuration binding, a readiness
/// health check, metrics and tracing: the job Aspire.Confluent.Kafka does, which is not available here.
/// </summary>
public static class KafkaClientExtensions
{
    /// <summary>Tag on the Kafka health checks (readiness, as opposed to the "live" self check).</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Registers a singleton <see cref="IProducer{TKey, TValue}"/> for the Kafka cluster named
    /// <paramref name="connectionName"/>, a health check <c>kafka-producer-&lt;connectionName&gt;</c>
    /// (tagged <c>ready</c>), metrics (meter <c>ReelMetrics.Kafka</c>) and tracing (ActivitySource
    /// <c>ReelMetrics.Kafka</c>: a Producer span <c>&lt;topic&gt; publish</c> per message, whose W3C
    /// <c>traceparent</c>/<c>tracestate</c> is written into the message headers).
    /// </summary>
    /// <remarks>
    /// <see cref="KafkaProducerSettings"/> are bound from <c>Aspire:Confluent:Kafka:Producer</c>, then
    /// <c>Aspire:Confluent:Kafka:Producer:&lt;connectionName&gt;</c> (each with its <c>Config</c> subsection,
    /// e.g. <c>Config:Acks</c>, <c>Config:LingerMs</c> or librdkafka names like <c>Config:linger.ms</c>),
    /// then <c>ConnectionStrings:&lt;connectionName&gt;</c> sets the connection string; then
    /// <paramref name="configureSettings"/> runs, and the connection string becomes <c>bootstrap.servers</c>.
    /// Unless metrics are disabled or set otherwise, <c>statistics.interval.ms</c> is 5000.
    /// </remarks>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The connection string name and the name in the configuration sections.</param>
    /// <param name="configureSettings">Changes the settings after they were bound from configuration.</param>
    /// <param name="configureBuilder">Configures the producer builder (serializers, handlers). A statistics
    /// handler set here still runs: the integration chains its own in front of it.</param>
    /// <exception cref="InvalidOperationException">No bootstrap servers are configured.</exception>
    public static void AddKafkaProducer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaProducerSettings>? configureSettings = null,
        Action<ProducerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        var settings = KafkaSettingsBinder.BindProducer(builder.Configuration, connectionName, configureSettings);

        builder.Services.AddSingleton<IProducer<TKey, TValue>>(services =>
        {
            var config = new ProducerConfig(settings.Config.ToDictionary(p => p.Key, p => p.Value));
            if (!settings.DisableMetrics && config.StatisticsIntervalMs is null)
            {
                config.StatisticsIntervalMs = DefaultStatisticsIntervalMs;
            }
            var producerBuilder = new InstrumentedProducerBuilder<TKey, TValue>(config);
            configureBuilder?.Invoke(producerBuilder);
            return producerBuilder.BuildInstrumented(connectionName, settings, Logger(services));
        });

        if (!settings.DisableHealthChecks)
        {
            AddHealthCheck<IProducer<TKey, TValue>>(builder, HealthCheckName(builder, "producer", connectionName, typeof(TKey), typeof(TValue)), settings.HealthCheckTimeout);
        }
    }

    /// <summary>
    /// Registers a singleton <see cref="IConsumer{TKey, TValue}"/> for the Kafka cluster named
    /// <paramref name="connectionName"/>, a health check <c>kafka-consumer-&lt;connectionName&gt;</c>
    /// (tagged <c>ready</c>), metrics (meter <c>ReelMetrics.Kafka</c>, including consumer lag per
    /// partition) and tracing (a Consumer span <c>&lt;topic&gt; receive</c> per consumed message, child
    /// of and linked to the producer's context found in the headers; batch consumers can read that
    /// context themselves with <see cref="KafkaTraceContext.Extract"/>).
    /// </summary>
    /// <remarks>
    /// <see cref="KafkaConsumerSettings"/> are bound from <c>Aspire:Confluent:Kafka:Consumer</c>, then
    /// <c>Aspire:Confluent:Kafka:Consumer:&lt;connectionName&gt;</c> (each with its <c>Config</c> subsection,
    /// e.g. <c>Config:GroupId</c>, <c>Config:AutoOffsetReset</c>, <c>Config:EnableAutoCommit</c>), then
    /// <c>ConnectionStrings:&lt;connectionName&gt;</c>; then <paramref name="configureSettings"/> runs.
    /// The consumer is not closed on disposal: call <see cref="IConsumer{TKey, TValue}.Close"/> when
    /// done so the group rebalances at once.
    /// </remarks>
    /// <param name="builder">The application builder.</param>
    /// <param name="connectionName">The connection string name and the name in the configuration sections.</param>
    /// <param name="configureSettings">Changes the settings after they were bound from configuration.</param>
    /// <param name="configureBuilder">Configures the consumer builder (deserializers, rebalance handlers).</param>
    /// <exception cref="InvalidOperationException">No bootstrap servers, or no group id, are configured.</exception>
    public static void AddKafkaConsumer<TKey, TValue>(
        this IHostApplicationBuilder builder,
        string connectionName,
        Action<KafkaConsumerSettings>? configureSettings = null,
        Action<ConsumerBuilder<TKey, TValue>>? configureBuilder = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionName);

        var settings = KafkaSettingsBinder.BindConsumer(builder.Configuration, connectionName, configureSettings);

        builder.Services.AddSingleton<IConsumer<TKey, TValue>>(services =>
        {
            var config = new ConsumerConfig(settings.Config.ToDictionary(p => p.Key, p => p.Value));
            if (!settings.DisableMetrics && config.StatisticsIntervalMs is null)
            {
                config.StatisticsIntervalMs = DefaultStatisticsIntervalMs;
            }
            var consumerBuilder = new InstrumentedConsumerBuilder<TKey, TValue>(config);
            configureBuilder?.Invoke(consumerBuilder);
            return consumerBuilder.BuildInstrumented(connectionName, settings, Logger(services));
        });

        if (!settings.DisableHealthChecks)
        {
            AddHealthCheck<IConsumer<TKey, TValue>>(builder, HealthCheckName(builder, "consumer", connectionName, typeof(TKey), typeof(TValue)), settings.HealthCheckTimeout);
        }
    }

    private const int DefaultStatisticsIntervalMs = 5000;

    private static ILogger Logger(IServiceProvider services) =>
        services.GetService<ILoggerFactory>()?.CreateLogger(KafkaTelemetry.Name) ?? NullLogger.Instance;

    private static void AddHealthCheck<TClient>(IHostApplicationBuilder builder, string name, TimeSpan timeout)
        where TClient : class, IClient
    {
        builder.Services.AddKeyedSingleton(name, (services, _) => new KafkaHealthProbe(services.GetRequiredService<TClient>(), timeout));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            name,
            services => new KafkaHealthCheck(services.GetRequiredKeyedService<KafkaHealthProbe>(name)),
            failureStatus: HealthStatus.Unhealthy,
            tags: [ReadyTag, "kafka"]));
    }

    /// <summary>
    /// <c>kafka-producer-&lt;connectionName&gt;</c>; a second client of the same kind and connection
    /// (other key/value types) gets its types appended, since health check names must be unique.
    /// </summary>
    private static string HealthCheckName(IHostApplicationBuilder builder, string kind, string connectionName, Type key, Type value)
    {
        var name = $"kafka-{kind}-{connectionName}";
        var registered = builder.Properties.TryGetValue(typeof(KafkaClientExtensions), out var existing)
            ? (HashSet<string>)existing
            : (HashSet<string>)(builder.Properties[typeof(KafkaClientExtensions)] = new HashSet<string>(StringComparer.OrdinalIgnoreCase));
        if (!registered.Add(name))
        {
            name = $"{name}-{key.Name}-{value.Name}";
            registered.Add(name);
        }
        return name;
    }
}
