using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Aspire.Hosting;

/// <summary>
/// SASL users and ACLs of the broker. The broker knows one PLAIN user, <see cref="AdminUser"/> (a super user, password
/// in its JAAS configuration); the AppHost signs in as it when the broker is up and creates the topics, one
/// SCRAM-SHA-256 credential per user and the users' ACLs. Anything without an ACL is denied.
/// </summary>
public static class KafkaSecurity
{
    public const string AdminUser = "admin";

    /// <summary>An ACL that allows <paramref name="user"/> the <paramref name="operation"/> on a resource.</summary>
    public static AclBinding Allow(string user, ResourceType type, string name, AclOperation operation,
        ResourcePatternType patternType = ResourcePatternType.Literal) => new()
        {
            Pattern = new ResourcePattern { Type = type, Name = name, ResourcePatternType = patternType },
            Entry = new AccessControlEntry { Principal = "User:" + user, Host = "*", Operation = operation, PermissionType = AclPermissionType.Allow },
        };

    /// <summary>What a read-only user (Kafka UI) may do: describe and read, nothing else.</summary>
    public static IReadOnlyList<AclBinding> ReadOnlyAcls(string user) =>
    [
        Allow(user, ResourceType.Topic, "", AclOperation.Read, ResourcePatternType.Prefixed),
        Allow(user, ResourceType.Topic, "", AclOperation.Describe, ResourcePatternType.Prefixed),
        Allow(user, ResourceType.Topic, "", AclOperation.DescribeConfigs, ResourcePatternType.Prefixed),
        Allow(user, ResourceType.Group, "", AclOperation.Describe, ResourcePatternType.Prefixed),
        // librdkafka's Broker resource type is Kafka's CLUSTER (4).
        Allow(user, ResourceType.Broker, "kafka-cluster", AclOperation.Describe),
        Allow(user, ResourceType.Broker, "kafka-cluster", AclOperation.DescribeConfigs),
    ];

    /// <summary>
    /// Creates the broker's topics, its users' SCRAM credentials (re-applied every time, so a changed password takes
    /// effect) and their ACLs (creating an ACL that exists is a no-op). Signs in as <see cref="AdminUser"/>.
    /// </summary>
    internal static async Task ProvisionAsync(string bootstrapServers, string adminPassword, KafkaServerResource kafka, CancellationToken cancellationToken)
    {
        using var admin = new AdminClientBuilder(AdminConfig(bootstrapServers, adminPassword)).SetLogHandler((_, _) => { }).Build();
        if (kafka.Topics.Count > 0)
        {
            try
            {
                await admin.CreateTopicsAsync(kafka.Topics).WaitAsync(cancellationToken);
            }
            catch (CreateTopicsException e) when (e.Results.All(r => !r.Error.IsError || r.Error.Code == ErrorCode.TopicAlreadyExists))
            {
            }
        }

        if (kafka.Users.Count == 0) return;
        var credentials = new List<UserScramCredentialAlteration>();
        foreach (var (user, settings) in kafka.Users)
        {
            credentials.Add(new UserScramCredentialUpsertion
            {
                User = user,
                ScramCredentialInfo = new ScramCredentialInfo { Mechanism = ScramMechanism.ScramSha256, Iterations = 8192 },
                Password = System.Text.Encoding.UTF8.GetBytes(await settings.Password.GetValueAsync(cancellationToken) ?? ""),
            });
        }

        await admin.AlterUserScramCredentialsAsync(credentials).WaitAsync(cancellationToken);
        await admin.CreateAclsAsync(kafka.Users.Values.SelectMany(u => u.Acls)).WaitAsync(cancellationToken);
    }

    /// <summary>The admin's client configuration (SASL PLAIN over the host listener).</summary>
    internal static AdminClientConfig AdminConfig(string bootstrapServers, string adminPassword) => new()
    {
        BootstrapServers = bootstrapServers,
        SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = SaslMechanism.Plain,
        SaslUsername = AdminUser,
        SaslPassword = adminPassword,
        SocketTimeoutMs = 3000,
    };
}
