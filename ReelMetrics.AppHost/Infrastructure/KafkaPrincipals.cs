using Confluent.Kafka.Admin;
using ReelMetrics.Contracts;
using ReelMetrics.LocalInfrastructure.Hosting;

namespace ReelMetrics.AppHost.Infrastructure;

/// <summary>A service with a Kafka user of its own on the container broker (see docs/security.md).</summary>
public enum KafkaPrincipal
{
    /// <summary>May produce to the sales topic only.</summary>
    Generator,

    /// <summary>May consume the sales topic in its own group, and produce dead letters.</summary>
    Consumer,
}

/// <summary>
/// ReelMetrics' topics, and who may do what with them. The container broker requires SASL and denies what no ACL allows;
/// librdkafka's local mock broker knows neither, so there the topics are all there is.
/// </summary>
public static class KafkaPrincipals
{
    /// <summary>The consumer group the consumer's ACL names (configuration <c>ReelMetrics:Consumer:GroupId</c>, as the consumer reads it).</summary>
    public const string DefaultConsumerGroup = "reelmetrics-consumer";

    public static string UserOf(KafkaPrincipal principal) => principal switch
    {
        KafkaPrincipal.Generator => "generator",
        KafkaPrincipal.Consumer => "consumer",
        _ => throw new ArgumentOutOfRangeException(nameof(principal)),
    };

    /// <summary>What <paramref name="principal"/> may do; everything else is denied.</summary>
    public static IReadOnlyList<AclBinding> AclsFor(KafkaPrincipal principal, string consumerGroup)
    {
        var user = UserOf(principal);
        return principal switch
        {
            KafkaPrincipal.Generator =>
            [
                KafkaSecurity.Allow(user, ResourceType.Topic, Topics.TicketSales, AclOperation.Write),
                KafkaSecurity.Allow(user, ResourceType.Topic, Topics.TicketSales, AclOperation.Describe),
            ],
            KafkaPrincipal.Consumer =>
            [
                KafkaSecurity.Allow(user, ResourceType.Topic, Topics.TicketSales, AclOperation.Read),
                KafkaSecurity.Allow(user, ResourceType.Topic, Topics.TicketSales, AclOperation.Describe),
                KafkaSecurity.Allow(user, ResourceType.Group, consumerGroup, AclOperation.Read),
                KafkaSecurity.Allow(user, ResourceType.Topic, Topics.DeadLetters, AclOperation.Write),
                KafkaSecurity.Allow(user, ResourceType.Topic, Topics.DeadLetters, AclOperation.Describe),
            ],
            _ => throw new ArgumentOutOfRangeException(nameof(principal)),
        };
    }

    /// <summary>The container broker's topics, and a user for each principal with its ACLs.</summary>
    public static IResourceBuilder<KafkaServerResource> WithReelMetricsTopicsAndPrincipals(this IResourceBuilder<KafkaServerResource> kafka, string consumerGroup)
    {
        kafka.WithTopic(Topics.TicketSales, Topics.TicketSalesPartitions).WithTopic(Topics.DeadLetters, 1);
        foreach (var principal in Enum.GetValues<KafkaPrincipal>())
        {
            kafka.WithUser(UserOf(principal), AclsFor(principal, consumerGroup));
        }

        return kafka;
    }

    /// <summary>The local broker's topics.</summary>
    public static IResourceBuilder<LocalKafkaResource> WithReelMetricsTopics(this IResourceBuilder<LocalKafkaResource> kafka) =>
        kafka.WithTopic(Topics.TicketSales, Topics.TicketSalesPartitions).WithTopic(Topics.DeadLetters, 1);

    /// <summary>
    /// References Kafka from <paramref name="service"/> as <paramref name="principal"/>: with the container broker, the
    /// service's producer and consumer sign in with SCRAM-SHA-256 as that principal (password parameter
    /// <c>kafka-&lt;principal&gt;-password</c>). librdkafka's local mock broker knows no SASL: there it is a plain reference.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithKafkaPrincipal(
        this IResourceBuilder<ProjectResource> service, IResourceBuilder<IResourceWithConnectionString> kafka, KafkaPrincipal principal)
    {
        service.WithReference(kafka);
        return kafka.Resource is KafkaServerResource broker ? service.WithKafkaCredentials(broker, UserOf(principal)) : service;
    }
}
