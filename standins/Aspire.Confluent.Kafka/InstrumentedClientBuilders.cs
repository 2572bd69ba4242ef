using Microsoft.Extensions.Logging;

namespace Aspire.Confluent.Kafka;

/// <summary>
/// A <see cref="ProducerBuilder{TKey, TValue}"/> whose handlers the integration can read: after the
/// application's <c>configureBuilder</c> ran, it chains its statistics collector in front of the
/// application's own statistics handler (Confluent allows only one), adds logging handlers where
/// the application set none, and wraps the built producer.
/// </summary>
internal sealed class InstrumentedProducerBuilder<TKey, TValue>(ProducerConfig config) : ProducerBuilder<TKey, TValue>(config)
{
    public IProducer<TKey, TValue> BuildInstrumented(string connectionName, KafkaProducerSettings settings, ILogger logger)
    {
        var statistics = settings.DisableMetrics ? null : new KafkaStatisticsCollector(connectionName, groupId: null);
        if (statistics is not null)
        {
            StatisticsHandler = KafkaClientLogging.Chain(StatisticsHandler, statistics);
        }
        LogHandler ??= (_, message) => KafkaClientLogging.Log(logger, message);
        ErrorHandler ??= (_, error) => KafkaClientLogging.Error(logger, "producer", connectionName, error);
        try
        {
            return new InstrumentedProducer<TKey, TValue>(base.Build(), !settings.DisableTracing, !settings.DisableMetrics, statistics);
        }
        catch
        {
            statistics?.Dispose();
            throw;
        }
    }
}

/// <summary>The consumer counterpart of <see cref="InstrumentedProducerBuilder{TKey, TValue}"/>.</summary>
internal sealed class InstrumentedConsumerBuilder<TKey, TValue>(ConsumerConfig config) : ConsumerBuilder<TKey, TValue>(config)
{
    public IConsumer<TKey, TValue> BuildInstrumented(string connectionName, KafkaConsumerSettings settings, ILogger logger)
    {
        var groupId = settings.Config.GroupId;
        var statistics = settings.DisableMetrics ? null : new KafkaStatisticsCollector(connectionName, groupId);
        if (statistics is not null)
        {
            StatisticsHandler = KafkaClientLogging.Chain(StatisticsHandler, statistics);
        }
        LogHandler ??= (_, message) => KafkaClientLogging.Log(logger, message);
        ErrorHandler ??= (_, error) => KafkaClientLogging.Error(logger, "consumer", connectionName, error);
        try
        {
            return new InstrumentedConsumer<TKey, TValue>(base.Build(), groupId, !settings.DisableTracing, !settings.DisableMetrics, statistics);
        }
        catch
        {
            statistics?.Dispose();
            throw;
        }
    }
}

internal static class KafkaClientLogging
{
    public static Action<TClient, string> Chain<TClient>(Action<TClient, string>? application, KafkaStatisticsCollector statistics) =>
        application is null
            ? (_, json) => statistics.OnStatistics(json)
            : (client, json) =>
            {
                statistics.OnStatistics(json);
                application(client, json);
            };

    public static void Log(ILogger logger, LogMessage message)
    {
        var level = message.Level switch
        {
            SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical => LogLevel.Critical,
            SyslogLevel.Error => LogLevel.Error,
            SyslogLevel.Warning => LogLevel.Warning,
            SyslogLevel.Notice or SyslogLevel.Info => LogLevel.Information,
            _ => LogLevel.Debug,
        };
        if (logger.IsEnabled(level))
        {
            logger.Log(level, "{KafkaClient} {Facility}: {Message}", message.Name, message.Facility, message.Message);
        }
    }

    public static void Error(ILogger logger, string kind, string connectionName, Error error)
    {
        var level = error.IsFatal ? LogLevel.Critical : LogLevel.Warning;
        if (logger.IsEnabled(level))
        {
            logger.Log(level, "Kafka {Kind} '{ConnectionName}': {ErrorCode} {Reason}", kind, connectionName, error.Code, error.Reason);
        }
    }
}
