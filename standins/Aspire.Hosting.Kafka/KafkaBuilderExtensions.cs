
namespace ReelMetrics.AppHost.Infrastructure.Kafka;

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
    /// Adds a Kafka broker container that requires SASL: SCRAM-SHA-256 for the services (one principal each, see
    /// <see cref="WithKafkaPrincipal"/>) and PLAIN for the AppHost's admin, with ACLs and nothing allowed without one.
    /// Host processes reach it on the <c>tcp</c> endpoint; containers on <c>internal</c>. The health check signs in
    /// as the admin, creates the topics, principals and ACLs, and answers a metadata request, so <c>WaitFor(kafka)</c>
    /// means "usable by every principal".
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> AddKafka(
        this IDistributedApplicationBuilder builder, string name, string consumerGroup, int? port = null)
    {
        var adminPassword = PasswordParameter(builder, $"{name}-admin-password");
        var kafka = new KafkaServerResource(name, adminPassword);

        string? connectionString = null;
        builder.Eventing.Subscribe<ConnectionStringAvailableEvent>(kafka, async (_, ct) =>
            connectionString = await kafka.ConnectionStringExpression.GetValueAsync(ct));

        var provisioned = false;
        // Ready means usable by every principal: the first probe that reaches the broker provisions it.
        async Task ProvisionedAndAnswers(KafkaServerResource _, CancellationToken ct)
        {
            var bootstrap = connectionString ?? throw new InvalidOperationException("Kafka's address is not known yet.");
            var password = await adminPassword.GetValueAsync(ct) ?? "";
            if (!provisioned)
            {
                var passwords = new Dictionary<KafkaPrincipal, string>();
                foreach (var (principal, parameter) in kafka.Principals)
                {
                    passwords[principal] = await parameter.GetValueAsync(ct) ?? "";
                }

                await KafkaSecurity.ProvisionAsync(bootstrap, password, passwords, consumerGroup, ct);
                provisioned = true;
            }

            KafkaReadiness.Check(KafkaSecurity.AdminConfig(bootstrap, password));
        }

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
            .WithReadinessCheck(ProvisionedAndAnswers, timeout: TimeSpan.FromSeconds(15));
    }

    /// <summary>
    /// References Kafka from <paramref name="service"/> as <paramref name="principal"/>: with the container broker, the
    /// service's producer and consumer sign in with SCRAM-SHA-256 as that principal (password parameter
    /// <c>kafka-&lt;principal&gt;-password</c>). librdkafka's local mock broker knows no SASL: there it is a plain reference.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithKafkaPrincipal(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString> kafka, KafkaPrincipal principal)
    {
        service.WithReference(kafka);
        if (kafka.Resource is not KafkaServerResource broker)
        {
            return service;
        }

        var password = Principal(service.ApplicationBuilder, broker, principal);
        foreach (var client in new[] { "Producer", "Consumer" })
        {
            var config = $"Aspire__Confluent__Kafka__{client}__Config__";
            service
                .WithEnvironment(config + "SecurityProtocol", "SaslPlaintext")
                .WithEnvironment(config + "SaslMechanism", "ScramSha256")
                .WithEnvironment(config + "SaslUsername", KafkaSecurity.UserOf(principal))
                .WithEnvironment(config + "SaslPassword", password);
        }

        return service;
    }

    /// <summary>Keeps the broker's log in a named volume so topics survive a restart.</summary>
    public static IResourceBuilder<KafkaServerResource> WithDataVolume(this IResourceBuilder<KafkaServerResource> builder, string? name = null) =>
        builder
            .WithVolume(name ?? $"{builder.ApplicationBuilder.Environment.ApplicationName.ToLowerInvariant()}-{builder.Resource.Name}-data", "/var/lib/kafka/data")
            .WithEnvironment("KAFKA_LOG_DIRS", "/var/lib/kafka/data");

    /// <summary>
    /// Adds Kafka UI (kafbat) pointed at the broker's internal listener: read-only, signed in as its own principal, which
    /// may describe and read but not write, create or delete. Sales are confidential: add it in development only.
    /// </summary>
    public static IResourceBuilder<KafkaServerResource> WithKafkaUI(this IResourceBuilder<KafkaServerResource> builder, int? port = null)
    {
        var kafka = builder.Resource;
        var password = Principal(builder.ApplicationBuilder, kafka, KafkaPrincipal.KafkaUi);
        builder.ApplicationBuilder.AddContainer($"{kafka.Name}-ui", UiImage, UiTag)
            .WithHttpEndpoint(port: port, targetPort: 8080)
            .WithEnvironment("KAFKA_CLUSTERS_0_NAME", kafka.Name)
            .WithEnvironment("KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS", $"{kafka.Name}:{InternalPort}")
            .WithEnvironment("KAFKA_CLUSTERS_0_READONLY", "true")
            .WithEnvironment("KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
            .WithEnvironment("KAFKA_CLUSTERS_0_PROPERTIES_SASL_MECHANISM", "SCRAM-SHA-256")
            .WithEnvironment("KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG", ReferenceExpression.Create(
                $"org.apache.kafka.common.security.scram.ScramLoginModule required username=\"{KafkaSecurity.UserOf(KafkaPrincipal.KafkaUi)}\" password=\"{password}\";"))
            .WithParentRelationship(builder)
            .WaitFor(builder);
        return builder;
    }

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

    private static ParameterResource Principal(IDistributedApplicationBuilder builder, KafkaServerResource kafka, KafkaPrincipal principal)
    {
        if (!kafka.Principals.TryGetValue(principal, out var password))
        {
            password = PasswordParameter(builder, $"{kafka.Name}-{KafkaSecurity.UserOf(principal)}-password");
            kafka.Principals[principal] = password;
        }

        return password;
    }

    private static ParameterResource PasswordParameter(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true).Resource;
}
