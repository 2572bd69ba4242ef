using Confluent.Kafka.Admin;

namespace Aspire.Hosting;

/// <summary>
/// A single-node KRaft Kafka broker in a container. <c>tcp</c> serves processes on the host; <c>internal</c> serves
/// other containers. Both require SASL (see <see cref="KafkaSecurity"/>): the broker knows the admin from its
/// configuration, and the admin creates <see cref="Topics"/> and <see cref="Users"/> when the broker is up.
/// </summary>
public sealed class KafkaServerResource(string name, ParameterResource adminPassword) : ContainerResource(name), IResourceWithConnectionString
{
    public const string PrimaryEndpointName = "tcp";
    public const string InternalEndpointName = "internal";
    public const int PrimaryTargetPort = 9092;
    public const int InternalTargetPort = 9093;

    public EndpointReference PrimaryEndpoint => new(this, PrimaryEndpointName);

    public EndpointReference InternalEndpoint => new(this, InternalEndpointName);

    /// <summary>The password of <see cref="KafkaSecurity.AdminUser"/>, the only user the broker knows from its configuration.</summary>
    public ParameterResource AdminPassword { get; } = adminPassword;

    /// <summary>The topics to create when the broker is up (nothing else may create one).</summary>
    public List<TopicSpecification> Topics { get; } = [];

    /// <summary>The SCRAM users to create when the broker is up, by name: each one's password and what it may do.</summary>
    public Dictionary<string, KafkaUser> Users { get; } = [];

    /// <summary>Set once the admin has created <see cref="Topics"/> and <see cref="Users"/>.</summary>
    internal bool Provisioned { get; set; }

    /// <summary><c>host:port</c>, no scheme: what Kafka clients call bootstrap servers.</summary>
    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"{PrimaryEndpoint.Property(EndpointProperty.Host)}:{PrimaryEndpoint.Property(EndpointProperty.Port)}");
}

/// <summary>A SCRAM-SHA-256 user of a <see cref="KafkaServerResource"/>: its password, and the ACLs that say what it may do.</summary>
public sealed record KafkaUser(ParameterResource Password, IReadOnlyList<AclBinding> Acls);
