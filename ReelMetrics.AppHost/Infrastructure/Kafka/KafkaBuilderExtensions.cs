using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ReelMetrics.AppHost.Infrastructure.Kafka;

public static class KafkaBuilderExtensions
{
    public const string Image = "confluentinc/confluent-local";
    public const string Tag = "8.1.0";
    public const string UiImage = "kafbat/kafka-ui";
    public const string UiTag = "v1.3.0";

    private static readonly string InternalPort = KafkaServerResource.InternalTargetPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // Host clients use PLAINTEXT_HOST (9092), other containers PLAINTEXT_INTERNAL (9093); 29092/29093 stay inside the container.
    private static readonly string Listeners =
        $"PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,PLAINTEXT_HOST://0.0.0.0:{KafkaServerResource.PrimaryTargetPort},PLAINTEXT_INTERNAL://0.0.0.0:{InternalPort}";

    /// <summary>
    /// Adds a Kafka broker container. Host processes reach it on the <c>tcp</c> endpoint; containers on
    /// <c>internal</c>. A health check (a metadata request) makes <c>WaitFor(kafka)</c> mean "usable".
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> AddKafka(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var kafka = new KafkaServerResource(name);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(kafka, async (_, ct) =>
            connectionString = await kafka.ConnectionStringExpression.GetValueAsync(ct));

        var healthCheckKey = $"{name}-ready";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey,
            _ => new Local.DelegateHealthCheck(_ =>
            {
                KafkaReadiness.Check(connectionString ?? throw new InvalidOperationException("Kafka's address is not known yet."));
                return Task.CompletedTask;
            }),
            failureStatus: HealthStatus.Unhealthy, tags: null, timeout: TimeSpan.FromSeconds(5)));

        return builder.AddResource(kafka)
            .WithImage(Image, Tag)
            .WithEndpoint(port: port, targetPort: KafkaServerResource.PrimaryTargetPort, name: KafkaServerResource.PrimaryEndpointName, scheme: "tcp")
            .WithEndpoint(targetPort: KafkaServerResource.InternalTargetPort, name: KafkaServerResource.InternalEndpointName, scheme: "tcp")
            .WithEnvironment("KAFKA_LISTENERS", Listeners)
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
                "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT,PLAINTEXT_INTERNAL:PLAINTEXT")
            // Advertise the host port the runtime allocates, which is only known at run time.
            .WithEnvironment(context => context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = ReferenceExpression.Create(
                $"PLAINTEXT://localhost:29092,PLAINTEXT_HOST://localhost:{kafka.PrimaryEndpoint.Property(EndpointProperty.Port)},PLAINTEXT_INTERNAL://{name}:{InternalPort}"))
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>Keeps the broker's log in a named volume so topics survive a restart.</summary>
    public static IResourceBuilder<KafkaServerResource> WithDataVolume(this IResourceBuilder<KafkaServerResource> builder, string? name = null) =>
        builder
            .WithVolume(name ?? $"{builder.ApplicationBuilder.Environment.ApplicationName.ToLowerInvariant()}-{builder.Resource.Name}-data", "/var/lib/kafka/data")
            .WithEnvironment("KAFKA_LOG_DIRS", "/var/lib/kafka/data");

    /// <summary>Adds Kafka UI (kafbat) pointed at the broker's internal listener.</summary>
    public static IResourceBuilder<KafkaServerResource> WithKafkaUI(this IResourceBuilder<KafkaServerResource> builder, int? port = null)
    {
        var kafka = builder.Resource;
        builder.ApplicationBuilder.AddContainer($"{kafka.Name}-ui", UiImage, UiTag)
            .WithHttpEndpoint(port: port, targetPort: 8080)
            .WithEnvironment("KAFKA_CLUSTERS_0_NAME", kafka.Name)
            .WithEnvironment("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS", $"{kafka.Name}:{InternalPort}")
            .WithParentRelationship(builder)
            .WaitFor(builder);
        return builder;
    }
}
