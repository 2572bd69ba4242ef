using Confluent.Kafka.Admin;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Adds a Kafka broker (and Kafka UI) to the application model, as Aspire.Hosting.Kafka does, but requiring SASL.</summary>
public static class KafkaBuilderExtensions
{
    public const string Image = "confluentinc/confluent-local";
    public const string Tag = "8.1.0";
    public const string UiImage = "kafbat/kafka-ui";
    public const string UiTag = "v1.3.0";

    private static readonly string InternalPort = KafkaServerResource.InternalTargetPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

    // Host clients use HOST (9092), other containers INTERNAL (9093), both SASL. PLAINTEXT (29092) and CONTROLLER (29093)
    // listen on the container's loopback only: the broker talks to itself there, unauthenticated (hence User:ANONYMOUS
    // among the super users), and nothing outside the container can reach them.
    private static readonly string Listeners =
        $"PLAINTEXT://localhost:29092,CONTROLLER://localhost:29093,HOST://0.0.0.0:{KafkaServerResource.PrimaryTargetPort},INTERNAL://0.0.0.0:{InternalPort}";

    /// <summary>
    /// Adds a Kafka broker container that requires SASL: SCRAM-SHA-256 for the clients (one user each, see
    /// <see cref="WithUser"/>) and PLAIN for the AppHost's admin, with ACLs and nothing allowed without one.
    /// Host processes reach it on the <c>tcp</c> endpoint; containers on <c>internal</c>. The health check signs in
    /// as the admin, creates the topics, users and ACLs, and answers a metadata request, so <c>WaitFor(kafka)</c>
    /// means "usable by every user".
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> AddKafka(this IDistributedApplicationBuilder builder, string name, int? port = null)
    {
        var adminPassword = PasswordParameter(builder, $"{name}-admin-password");
        var kafka = new KafkaServerResource(name, adminPassword);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(kafka, async (_, ct) =>
            connectionString = await kafka.ConnectionStringExpression.GetValueAsync(ct));

        var healthCheckKey = $"{name}-ready";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheckKey, _ => new KafkaHealthCheck(kafka, () => connectionString),
            failureStatus: HealthStatus.Unhealthy, tags: null, timeout: TimeSpan.FromSeconds(15)));

        return builder.AddResource(kafka)
            .WithImage(Image, Tag)
            .WithEndpoint(port: port, targetPort: KafkaServerResource.PrimaryTargetPort, name: KafkaServerResource.PrimaryEndpointName, scheme: "tcp")
            .WithEndpoint(targetPort: KafkaServerResource.InternalTargetPort, name: KafkaServerResource.InternalEndpointName, scheme: "tcp")
            .WithEnvironment("KAFKA_LISTENERS", Listeners)
            .WithEnvironment("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,HOST:SASL_PLAINTEXT,INTERNAL:SASL_PLAINTEXT")
            // Advertise the host port the runtime allocates, which is only known at run time.
            .WithEnvironment(context => context.EnvironmentVariables["KAFKA_ADVERTISED_LISTENERS"] = ReferenceExpression.Create(
                $"PLAINTEXT://localhost:29092,HOST://localhost:{kafka.PrimaryEndpoint.Property(EndpointProperty.Port)},INTERNAL://{name}:{InternalPort}"))
            .WithEnvironment("KAFKA_SASL_ENABLED_MECHANISMS", "SCRAM-SHA-256,PLAIN")
            .WithSaslListener("HOST", adminPassword)
            .WithSaslListener("INTERNAL", adminPassword)
            .WithEnvironment("KAFKA_AUTHORIZER_CLASS_NAME", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
            .WithEnvironment("KAFKA_SUPER_USERS", $"User:{KafkaSecurity.AdminUser};User:ANONYMOUS")
            .WithEnvironment("KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND", "false")
            // Topics are created by the admin with their partitions, not by whoever produces first.
            .WithEnvironment("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "false")
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>A topic the admin creates when the broker is up (the broker creates none by itself).</summary>
    public static IResourceBuilder<KafkaServerResource> WithTopic(this IResourceBuilder<KafkaServerResource> builder, string name, int partitions)
    {
        builder.Resource.Topics.Add(new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = 1 });
        return builder;
    }

    /// <summary>
    /// A SCRAM-SHA-256 user the admin creates when the broker is up, allowed what <paramref name="acls"/> allow and
    /// nothing else; its password is the secret parameter <c>&lt;kafka&gt;-&lt;user&gt;-password</c>.
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> WithUser(this IResourceBuilder<KafkaServerResource> builder, string user, IReadOnlyList<AclBinding> acls)
    {
        var password = PasswordParameter(builder.ApplicationBuilder, $"{builder.Resource.Name}-{user}-password");
        builder.Resource.Users.Add(user, new KafkaUser(password, acls));
        return builder;
    }

    /// <summary>
    /// Makes <paramref name="client"/>'s producer and consumer (configured by Aspire.Confluent.Kafka) sign in to
    /// <paramref name="kafka"/> with SCRAM-SHA-256 as <paramref name="user"/>, one of the broker's users.
    /// </summary>
    public static IResourceBuilder<T> WithKafkaCredentials<T>(this IResourceBuilder<T> client, KafkaServerResource kafka, string user)
        where T : IResourceWithEnvironment
    {
        var password = kafka.Users.TryGetValue(user, out var known) ? known.Password
            : throw new ArgumentException($"{kafka.Name} has no user {user}.", nameof(user));
        foreach (var section in new[] { "Producer", "Consumer" })
        {
            var config = $"Aspire__Confluent__Kafka__{section}__Config__";
            client
                .WithEnvironment(config + "SecurityProtocol", "SaslPlaintext")
                .WithEnvironment(config + "SaslMechanism", "ScramSha256")
                .WithEnvironment(config + "SaslUsername", user)
                .WithEnvironment(config + "SaslPassword", password);
        }

        return client;
    }

    /// <summary>Keeps the broker's log in a named volume so topics survive a restart.</summary>
    public static IResourceBuilder<KafkaServerResource> WithDataVolume(this IResourceBuilder<KafkaServerResource> builder, string? name = null, bool isReadOnly = false) =>
        builder
            .WithVolume(name ?? $"{builder.ApplicationBuilder.Environment.ApplicationName.ToLowerInvariant()}-{builder.Resource.Name}-data", "/var/lib/kafka/data", isReadOnly)
            .WithEnvironment("KAFKA_LOG_DIRS", "/var/lib/kafka/data");

    /// <summary>
    /// Adds Kafka UI (kafbat) pointed at the broker's internal listener: read-only, signed in as its own user
    /// (<c>kafka-ui</c>), which may describe and read but not write, create or delete. Sales are confidential: add it
    /// in development only.
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> WithKafkaUI(this IResourceBuilder<KafkaServerResource> builder,
        Action<IResourceBuilder<KafkaUIContainerResource>>? configureContainer = null, string? containerName = null)
    {
        const string user = "kafka-ui";
        var kafka = builder.WithUser(user, KafkaSecurity.ReadOnlyAcls(user)).Resource;
        var ui = builder.ApplicationBuilder.AddResource(new KafkaUIContainerResource(containerName ?? "kafka-ui"))
            .WithImage(UiImage, UiTag)
            .WithHttpEndpoint(targetPort: 8080)
            .WithEnvironment("KAFKA_CLUSTERS_0_NAME", kafka.Name)
            .WithEnvironment("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS", $"{kafka.Name}:{InternalPort}")
            .WithEnvironment("KAFKA_CLUSTERS_0_READONLY", "true")
            .WithEnvironment("KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
            .WithEnvironment("KAFKA_CLUSTERS_0_PROPERTIES_SASL_MECHANISM", "SCRAM-SHA-256")
            .WithEnvironment("KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG", ReferenceExpression.Create(
                $"org.apache.kafka.common.security.scram.ScramLoginModule required username=\"{user}\" password=\"{kafka.Users[user].Password}\";"))
            .WithParentRelationship(builder)
            .WaitFor(builder);
        configureContainer?.Invoke(ui);
        return builder;
    }

    /// <summary>The host port of Kafka UI, instead of one the runtime picks.</summary>
    public static IResourceBuilder<KafkaUIContainerResource> WithHostPort(this IResourceBuilder<KafkaUIContainerResource> builder, int? port) =>
        builder.WithEndpoint("http", endpoint => endpoint.Port = port);

    /// <summary>SASL on listener <paramref name="listener"/>: SCRAM-SHA-256 (credentials kept by the broker) and PLAIN (the admin only).</summary>
    private static IResourceBuilder<KafkaServerResource> WithSaslListener(this IResourceBuilder<KafkaServerResource> builder, string listener, ParameterResource adminPassword)
    {
        // The image turns KAFKA_A_B into a.b, and ___ into '-'.
        var prefix = $"KAFKA_LISTENER_NAME_{listener}_";
        return builder
            .WithEnvironment(prefix + "SASL_ENABLED_MECHANISMS", "SCRAM-SHA-256,PLAIN")
            .WithEnvironment(prefix + "SCRAM___SHA___256_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required;")
            .WithEnvironment(prefix + "PLAIN_SASL_JAAS_CONFIG", ReferenceExpression.Create(
                $"org.apache.kafka.common.security.plain.PlainLoginModule required user_{KafkaSecurity.AdminUser}=\"{adminPassword}\";"));
    }

    private static ParameterResource PasswordParameter(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true).Resource;
}
