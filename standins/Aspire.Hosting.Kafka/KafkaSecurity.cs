using Confluent.Kafka;
using Confluent.Kafka.Admin;
using ReelMetrics.Contracts;

namespace ReelMetrics.AppHost.Infrastructure.Kafka;

/// <summary>A client of the Kafka broker with a SCRAM principal of its own (Containers mode).</summary>
public enum KafkaPrincipal
{
    /// <summary>May produce to the sales topic only.</summary>
    Generator,

    /// <summary>May consume the sales topic in its own group, and produce dead letters.</summary>
    Consumer,

    /// <summary>Kafka UI: may describe and read, nothing else.</summary>
    KafkaUi,
}

/// <summary>
/// SASL/SCRAM principals and ACLs of the container broker. The broker knows one PLAIN user, <see cref="AdminUser"/>
/// (a super user, password in its JAAS configuration); the AppHost signs in as it when the broker is up and creates the
/// topics, one SCRAM-SHA-256 credential per service and the ACLs below. Anything without an ACL is denied.
/// </summary>
public static class KafkaSecurity
{
    public const string AdminUser = "admin";

    /// <summary>The consumer group the consumer's ACL names (configuration <c>ReelMetrics:Consumer:GroupId</c>, as the consumer reads it).</summary>
    public const string DefaultConsumerGroup = "reelmetrics-consumer";

    public static string UserOf(KafkaPrincipal principal) => principal switch
    {
        KafkaPrincipal.Generator => "generator",
        KafkaPrincipal.Consumer => "consumer",
        KafkaPrincipal.KafkaUi => "kafka-ui",
        _ => throw new ArgumentOutOfRangeException(nameof(principal)),
    };

    /// <summary>What <paramref name="principal"/> may do; everything else is denied.</summary>
    public static IReadOnlyList<AclBinding> AclsFor(KafkaPrincipal principal, string consumerGroup)
    {
        var user = "User:" + UserOf(principal);
        return principal switch
        {
            KafkaPrincipal.Generator =>
            [
                Allow(user, ResourceType.Topic, Topics.TicketSales, AclOperation.Write),
                Allow(user, ResourceType.Topic, Topics.TicketSales, AclOperation.Describe),
            ],
            KafkaPrincipal.Consumer =>
            [
                Allow(user, ResourceType.Topic, Topics.TicketSales, AclOperation.Read),
                Allow(user, ResourceType.Topic, Topics.TicketSales, AclOperation.Describe),
                Allow(user, ResourceType.Group, consumerGroup, AclOperation.Read),
                Allow(user, ResourceType.Topic, Topics.DeadLetters, AclOperation.Write),
                Allow(user, ResourceType.Topic, Topics.DeadLetters, AclOperation.Describe),
            ],
            KafkaPrincipal.KafkaUi =>
            [
                Allow(user, ResourceType.Topic, "", AclOperation.Read, ResourcePatternType.Prefixed),
                Allow(user, ResourceType.Topic, "", AclOperation.Describe, ResourcePatternType.Prefixed),
                Allow(user, ResourceType.Topic, "", AclOperation.DescribeConfigs, ResourcePatternType.Prefixed),
                Allow(user, ResourceType.Group, "", AclOperation.Describe, ResourcePatternType.Prefixed),
                // librdkafka's Broker resource type is Kafka's CLUSTER (4).
                Allow(user, ResourceType.Broker, "kafka-cluster", AclOperation.Describe),
                Allow(user, ResourceType.Broker, "kafka-cluster", AclOperation.DescribeConfigs),
            ],
            _ => throw new ArgumentOutOfRangeException(nameof(principal)),
        };
    }

    /// <summary>
    /// Creates the topics, the principals' SCRAM credentials (re-applied every time, so a changed password takes effect)
    /// and their ACLs (creating an ACL that exists is a no-op). Signs in as <see cref="AdminUser"/>.
    /// </summary>
    public static async Task ProvisionAsync(string bootstrapServers, string adminPassword, IReadOnlyDictionary<KafkaPrincipal, string> passwords,
        string consumerGroup, CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(AdminConfig(bootstrapServers, adminPassword)).SetLogHandler((_, _) => { }).Build();
        try
        {
            await admin.CreateTopicsAsync(
            [
                new TopicSpecification { Name = Topics.TicketSales, NumPartitions = Topics.TicketSalesPartitions, ReplicationFactor = 1 },
                new TopicSpecification { Name = Topics.DeadLetters, NumPartitions = 1, ReplicationFactor = 1 },
            ]).WaitAsync(cancellationToken);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => !r.Error.IsError || r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
        }

        await admin.AlterUserScramCredentialsAsync(passwords.Select(p => (UserScramCredentialAlteration)new UserScramCredentialUpsertion
        {
            User = UserOf(p.Key),
            ScramCredentialInfo = new ScramCredentialInfo { Mechanism = ScramMechanism.ScramSha256, Iterations = 8192 },
            Password = System.Text.Encoding.UTF8.GetBytes(p.Value),
        })).WaitAsync(cancellationToken);

        await admin.CreateAclsAsync(passwords.Keys.SelectMany(p => AclsFor(p, consumerGroup))).WaitAsync(cancellationToken);
    }

    /// <summary>The admin's client configuration (SASL PLAIN over the host listener).</summary>
    public static AdminClientConfig AdminConfig(string bootstrapServers, string adminPassword) => new()
    {
        BootstrapServers = bootstrapServers,
        SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = SaslMechanism.Plain,
        SaslUsername = AdminUser,
        SaslPassword = adminPassword,
        SocketTimeoutMs = 3000,
    };

    private static AclBinding Allow(string principal, ResourceType type, string name, AclOperation operation,
        ResourcePatternType patternType = ResourcePatternType.Literal) => new()
        {
            Pattern = new ResourcePattern { Type = type, Name = name, ResourcePatternType = patternType },
            Entry = new AccessControlEntry { Principal = principal, Host = "*", Operation = operation, PermissionType = AclPermissionType.Allow },
        };
}
