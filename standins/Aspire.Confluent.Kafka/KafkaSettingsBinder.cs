using System.Collections.Concurrent;
using System.Reflection;
using Confluent.Kafka;
using Microsoft.Extensions.Configuration;

namespace Aspire.Confluent.Kafka;

/// <summary>Binds Kafka client settings from configuration, in Aspire.Confluent.Kafka's order.</summary>
internal static class KafkaSettingsBinder
{
    public const string ProducerSectionName = "Aspire:Confluent:Kafka:Producer";
    public const string ConsumerSectionName = "Aspire:Confluent:Kafka:Consumer";

    private static readonly ConcurrentDictionary<Type, HashSet<string>> PropertyNames = new();

    public static KafkaProducerSettings BindProducer(IConfiguration configuration, string connectionName, Action<KafkaProducerSettings>? configureSettings)
    {
        var settings = new KafkaProducerSettings();
        foreach (var section in Sections(configuration, ProducerSectionName, connectionName))
        {
            section.Bind(settings);
            BindLibrdkafkaKeys(section.GetSection("Config"), settings.Config);
        }
        if (configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString)
        {
            settings.ConnectionString = connectionString;
        }
        configureSettings?.Invoke(settings);
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            settings.Config.BootstrapServers = settings.ConnectionString;
        }
        if (string.IsNullOrWhiteSpace(settings.Config.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"The Kafka producer '{connectionName}' has no bootstrap servers. Set the connection string " +
                $"'ConnectionStrings:{connectionName}', or '{ProducerSectionName}:{connectionName}:Config:BootstrapServers'.");
        }
        return settings;
    }

    public static KafkaConsumerSettings BindConsumer(IConfiguration configuration, string connectionName, Action<KafkaConsumerSettings>? configureSettings)
    {
        var settings = new KafkaConsumerSettings();
        foreach (var section in Sections(configuration, ConsumerSectionName, connectionName))
        {
            section.Bind(settings);
            BindLibrdkafkaKeys(section.GetSection("Config"), settings.Config);
        }
        if (configuration.GetConnectionString(connectionName) is { Length: > 0 } connectionString)
        {
            settings.ConnectionString = connectionString;
        }
        configureSettings?.Invoke(settings);
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            settings.Config.BootstrapServers = settings.ConnectionString;
        }
        if (string.IsNullOrWhiteSpace(settings.Config.BootstrapServers))
        {
            throw new InvalidOperationException(
                $"The Kafka consumer '{connectionName}' has no bootstrap servers. Set the connection string " +
                $"'ConnectionStrings:{connectionName}', or '{ConsumerSectionName}:{connectionName}:Config:BootstrapServers'.");
        }
        if (string.IsNullOrWhiteSpace(settings.Config.GroupId))
        {
            throw new InvalidOperationException(
                $"The Kafka consumer '{connectionName}' has no consumer group. Set " +
                $"'{ConsumerSectionName}:{connectionName}:Config:GroupId' (or '{ConsumerSectionName}:Config:GroupId'), " +
                "or set Config.GroupId in configureSettings.");
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
