namespace Aspire.Hosting;

/// <summary>Kafka UI (kafbat), added by <see cref="KafkaBuilderExtensions.WithKafkaUI"/>.</summary>
public sealed class KafkaUIContainerResource(string name) : ContainerResource(name);
