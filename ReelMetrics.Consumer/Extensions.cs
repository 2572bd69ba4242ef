using Confluent.Kafka;
using ReelMetrics.Consumer.Ingestion;
using ReelMetrics.Contracts;

namespace ReelMetrics.Consumer;

public static class Extensions
{
    /// <summary>Registers the ingestion pipeline: Kafka in, PostgreSQL and Redis out.</summary>
    public static IHostApplicationBuilder AddTicketSalesIngestion(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsumerOptions>().BindConfiguration(ConsumerOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(ConsumerOptions.Section).Get<ConsumerOptions>() ?? new ConsumerOptions();

        var losses = new LostEventsDetector();
        builder.AddNpgsqlDataSource(ConnectionNames.Database);
        builder.AddRedisClient(ConnectionNames.Redis);
        builder.AddKafkaConsumer<string, byte[]>(ConnectionNames.Kafka, settings =>
        {
            settings.Config.GroupId ??= options.GroupId;
            // Offsets are committed by hand, after a batch is stored: that is what makes a crash lose nothing.
            settings.Config.EnableAutoCommit = false;
            settings.Config.EnableAutoOffsetStore = false;
            settings.Config.AutoOffsetReset ??= AutoOffsetReset.Earliest;
            // A crashed member's partitions move after the session timeout: keep it short so a restart resumes soon.
            settings.Config.SessionTimeoutMs ??= 10_000;
            // A fetch that finds nothing new waits this long for data. A real broker answers as soon as data arrives,
            // librdkafka's mock cluster only when the wait is over: librdkafka's 500 ms would then add up to half a
            // second to every sale's freshness.
            settings.Config.FetchWaitMaxMs ??= 20;
            // The worker makes one span per batch, linked to the producers; a span per message would cost throughput.
            settings.DisableTracing = true;
        }, consumer => consumer
            // What the loss check expects of a partition is only true while this consumer holds it.
            .SetPartitionsAssignedHandler((_, partitions) => losses.Forget(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => losses.Forget(partitions.Select(p => p.TopicPartition)))
            .SetPartitionsLostHandler((_, partitions) => losses.Forget(partitions.Select(p => p.TopicPartition))));
        builder.AddKafkaProducer<string, byte[]>(ConnectionNames.Kafka, settings =>
        {
            settings.Config.EnableIdempotence = true;
            settings.Config.Acks = Acks.All;
            // It only publishes dead letters from the outbox table, which retries what did not get through.
            settings.Config.MessageTimeoutMs ??= 30_000;
        });

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IngestionMetrics>();
        builder.Services.AddSingleton(losses);
        builder.Services.AddSingleton<IngestionHealth>();
        builder.Services.AddHealthChecks().AddCheck<IngestionHealth>("ingestion");
        builder.Services.AddSingleton(sp => new CatalogCache(sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>())
        {
            RefreshInterval = options.CatalogRefreshInterval,
            UnknownRecheckInterval = options.CatalogUnknownRecheck,
        });
        builder.Services.AddSingleton<SalesStore>();
        builder.Services.AddSingleton<LiveAggregates>();
        builder.Services.AddSingleton(sp => new BatchProcessor(
            sp.GetRequiredService<CatalogCache>(), sp.GetRequiredService<SalesStore>(), sp.GetRequiredService<LiveAggregates>(),
            sp.GetRequiredService<IngestionMetrics>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<BatchProcessor>>())
        {
            MaxTicketPrice = options.MaxTicketPrice,
        });
        builder.Services.AddHostedService<IngestionWorker>();
        builder.Services.AddHostedService<LiveCacheKeeper>();
        builder.Services.AddHostedService<DeadLetterPublisher>();
        builder.Services.AddHostedService<DeadLetterReplayer>();
        builder.Services.AddHostedService<PipelineHeartbeat>();
        return builder;
    }
}
