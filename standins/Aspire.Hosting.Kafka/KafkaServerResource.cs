namespace ReelMetrics.AppHost.Infrastructure.Kafka;

/// <summary>
/// A single-node KRaft Kafka broker in a container (what Aspire.Hosting.Kafka provides, which is
/// not available to this project). <c>tcp</c> serves processes on the host; <c>internal</c> serves
/// other containers. Both require SASL (see <see cref="KafkaSecurity"/>).
/// </summary>
public sealed class KafkaServerResource(string name, ParameterResource adminPassword) : ContainerResource(name), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";
    public const string InternalEndpointName = "internal";
    public const int PrimaryTargetPort = 9092;
    public const int InternalTargetPort = 9093;

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    /// <summary>The password of <see cref="KafkaSecurity.AdminUser"/>, the only user the broker knows from its configuration.</summary>
    public ParameterResource AdminPassword { get; } = adminPassword;

    /// <summary>The SCRAM principals to create when the broker is up, with their passwords.</summary>
    public Dictionary<KafkaPrincipal, ParameterResource> Principals { get; } = [];

    public EndpointReference InternalEndpoint => new(this, InternalEndpointName);

    /// <summary><c>host:port</c>, no scheme: what Kafka clients call bootstrap servers.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}
