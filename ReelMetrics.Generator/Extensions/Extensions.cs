using Confluent.Kafka;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ReelMetrics.Contracts;

namespace ReelMetrics.Generator.Extensions;

public static class Extensions
{
    /// <summary>
    /// Adds the ticket-sales generator: <see cref="GeneratorOptions"/> from the <c>Generator</c> section,
    /// an idempotent Kafka producer for the <c>kafka</c> connection, the seats already sold from the
    /// <c>reelmetrics</c> database when that connection string is configured, and the worker.
    /// </summary>
    public static IHostApplicationBuilder AddGenerator(this IHostApplicationBuilder builder)
    {
        // A default below every configuration source: request logs at Warning, or health probes flood the log.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = [new("Logging:LogLevel:Microsoft.AspNetCore", "Warning")],
        });

        builder.Services.AddOptions<GeneratorOptions>()
            .BindConfiguration(GeneratorOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.Duration is null || o.Duration > TimeSpan.Zero, "Generator:Duration must be positive.")
            .ValidateOnStart();

        // Read here as well: how the producer is tuned depends on the mode, and it is configured now.
        var burst = builder.Configuration.GetValue<bool>($"{GeneratorOptions.SectionName}:{nameof(GeneratorOptions.Burst)}");
        builder.AddKafkaProducer<string, byte[]>(ConnectionNames.Kafka, settings =>
        {
            var config = settings.Config;
            // Idempotence (which needs acks=all): the producer's own retries never put a message on the topic twice.
            config.EnableIdempotence = true;
            config.Acks = Acks.All;
            config.LingerMs ??= 5;
            config.CompressionType ??= CompressionType.Lz4;
            config.BatchSize ??= 1_000_000;
            config.QueueBufferingMaxMessages ??= 500_000;
            // Only the outcome is read from delivery reports; the sale itself travels in the handler.
            config.DeliveryReportFields ??= "status";
            // A publish span per message would cost more than the message at load-test rates.
            settings.DisableTracing |= burst;
        });

        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(ConnectionNames.Database)))
        {
            // Read once at start: the generator's health does not depend on the database afterwards.
            builder.AddNpgsqlDataSource(ConnectionNames.Database, settings => settings.DisableHealthChecks = true);
            builder.Services.AddSingleton<ShowtimeSalesReader>();
        }

        if (!AddressConfigured(builder.Configuration))
        {
            // Run from the command line next to other services: take any free port rather than fight over 5000.
            // Kestrel logs the one it got ("Now listening on").
            builder.Configuration["urls"] = "http://127.0.0.1:0";
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<GeneratorTotals>();
        builder.Services.AddSingleton<GeneratorTelemetry>();
        builder.Services.AddSingleton<SalesPublisher>();
        builder.Services.AddHostedService<GeneratorWorker>();
        return builder;
    }

    private static bool AddressConfigured(IConfiguration configuration) =>
        !string.IsNullOrEmpty(configuration["urls"])
        || !string.IsNullOrEmpty(configuration["http_ports"])
        || !string.IsNullOrEmpty(configuration["https_ports"])
        || configuration.GetSection("Kestrel:Endpoints").Exists();
}
