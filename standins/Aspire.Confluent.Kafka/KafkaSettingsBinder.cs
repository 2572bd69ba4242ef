using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Aspire.Confluent.Kafka;

/// <summary>Binds Kafka client settings from configuration, in Aspire.Confluent.Kafka's order.</summary>
internal static class KafkaSettingsBinder
{
    public const string ProducerSectionName = "Aspire:Confluent:Kafka:Producer";
    public const string ConsumerSectionName = "Aspire:Confluent:Kafka:Consumer";

    private static readonly ConcurrentDictionary<Type, HashSet<string>> PropertyNames = new();

    public static KafkaProducerSettings BindProducer(IConfiguration configuration, string connectionName, Action<KafkaProducerSettings>? configureSettings) =>
        Bind(configuration, ProducerSectionName, "producer", connectionName, configureSettings);

    public static KafkaConsumerSettings BindConsumer(IConfiguration configuration, string connectionName, Action<KafkaConsumerSettings>? configureSettings)
    {
        var settings = Bind(configuration, ConsumerSectionName, "consumer", connectionName, configureSettings);
        if (string.IsNullOrWhiteSpace(settings.Config.GroupId))
        {
            throw new InvalidOperationException(
                $"The Kafka consumer '{connectionName}' has no consumer group. Set " +
                $"'{ConsumerSectionName}:{connectionName}:Config:GroupId' (or '{ConsumerSectionName}:Config:GroupId'), " +
                "or set Config.GroupId in configureSettings.");
        }
        return settings;
    }

    /// <summary>
    /// The section, then the connection's own section; then the connection string, which wins over a bound one; then
    /// <paramref name="configureSettings"/>; and the connection string becomes the bootstrap servers.
    /// </summary>
    private static TSettings Bind<TSettings>(
        IConfiguration configuration, string sectionName, string kind, string connectionName, Action<TSettings>? configureSettings)
        where TSettings : IKafkaClientSettings, new()
    {
        var settings = new TSettings();
        foreach (var section in Sections(configuration, sectionName, connectionName))
        {
            section.Bind(settings);
            BindLibrdkafkaKeys(section.GetSection("Config"), settings.ClientConfig);
        }
        if (configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString)
        {
            settings.ConnectionString = connectionString;
        }
        configureSettings?.Invoke(settings);
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            settings.ClientConfig.BootstrapServers = settings.ConnectionString;
        }
        if (string.IsNullOrWhiteSpace(settings.ClientConfig.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"The Kafka {kind} '{connectionName}' has no bootstrap servers. Set the connection string " +
                $"'ConnectionStrings:{connectionName}', or '{sectionName}:{connectionName}:Config:BootstrapServers'.");
        }
        return settings;
    }

    private static IConfigurationSection[] Sections(IConfiguration configuration, string sectionName, string connectionName)
    {
        var general = configuration.GetSection(sectionName);
        return [general, general.GetSection(connectionName)];
    }

    /// <summary>
    /// The binder sets <see cref="ClientConfig"/>'s typed properties (<c>Acks</c>, <c>LingerMs</c>);
    /// keys that are no property are librdkafka names (<c>linger.ms</c>) and are passed through as they are.
    /// </summary>
    private static void BindLibrdkafkaKeys(IConfigurationSection configSection, ClientConfig config)
    {
        var properties = PropertyNames.GetOrAdd(config.GetType(), static type =>
            type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite)
                .Select(p => p.Name)
                .ToHashSet(StringComparer.OrdinalIgnoreCase));
        foreach (var child in configSection.GetChildren())
        {
            if (child.Value is not null && !properties.Contains(child.Key))
            {
                config.Set(child.Key, child.Value);
            }
        }
    }
}
