using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ReelMetrics.Contracts;
using ReelMetrics.LocalInfrastructure.Hosting;

namespace ReelMetrics.AppHost.Infrastructure;

/// <summary>The three backing services, whichever way they are backed.</summary>
/// <param name="IdentityDatabase">The identity service's own database (<c>identitydb</c>), on the same PostgreSQL server.</param>
public sealed record ReelMetricsInfrastructure(
    InfrastructureChoice Choice,
    IResourceBuilder<IResourceWithConnectionString> Kafka,
    IResourceBuilder<IResourceWithConnectionString> Database,
    IResourceBuilder<IResourceWithConnectionString> Redis,
    IResourceBuilder<IResourceWithConnectionString> IdentityDatabase);

public static class InfrastructureExtensions
{
    /// <summary>
    /// Adds <c>kafka</c>, <c>postgres</c> (with databases <c>reelmetrics</c> and <c>identitydb</c>) and <c>redis</c>, as
    /// containers or as local processes (see <see cref="InfrastructureMode"/>). Services get the same
    /// connection strings either way.
    /// </summary>
    public static ReelMetricsInfrastructure AddReelMetricsInfrastructure(this IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        var choice = InfrastructureModeResolver.Resolve(settings);
        using (var loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o => o.SingleLine = true)))
        {
            loggerFactory.CreateLogger("ReelMetrics.AppHost").LogInformation(
                "Infrastructure: {Mode} ({Reason})", choice.Mode, choice.Reason);
        }

        if (choice.Mode == InfrastructureMode.Containers)
        {
            var postgres = builder.AddPostgres(ConnectionNames.Postgres).WithDataVolume();
            return new(choice,
                builder.AddKafka(ConnectionNames.Kafka).WithDataVolume()
                    .WithReelMetricsTopicsAndPrincipals(ConsumerGroupOf(settings)).WithKafkaUIInDevelopment(),
                postgres.AddDatabase(ConnectionNames.Database),
                builder.AddRedis(ConnectionNames.Redis),
                postgres.AddDatabase(ConnectionNames.IdentityDatabase));
        }

        var local = settings.Local;
        var localPostgres = builder.AddLocalPostgres(ConnectionNames.Postgres, local.PostgresPort, local.DataDirectory);
        return new(choice,
            builder.AddLocalKafka(ConnectionNames.Kafka, local.KafkaPort).WithReelMetricsTopics(),
            localPostgres.AddDatabase(ConnectionNames.Database),
            builder.AddLocalRedis(ConnectionNames.Redis, local.RedisPort),
            localPostgres.AddDatabase(ConnectionNames.IdentityDatabase));
    }

    /// <summary>The consumer's group, which the broker's ACLs allow: the one the consumer is configured with, or its default.</summary>
    private static string ConsumerGroupOf(AppHostSettings settings) =>
        settings.Consumer.GetValueOrDefault("GroupId") ?? KafkaPrincipals.DefaultConsumerGroup;

    /// <summary>Kafka UI shows sales as they flow (confidential): only on a developer's machine, and read-only there.</summary>
    private static IResourceBuilder<KafkaServerResource> WithKafkaUIInDevelopment(this IResourceBuilder<KafkaServerResource> kafka) =>
        kafka.ApplicationBuilder.Environment.IsDevelopment() ? kafka.WithKafkaUI() : kafka;
}
