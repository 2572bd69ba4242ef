using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ReelMetrics.Consumer;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>The consumer hosted in the test process as its Program hosts it (<c>AddTicketSalesIngestion</c>).</summary>
internal static class ConsumerHost
{
    /// <summary>Builds the consumer from <paramref name="settings"/>, then lets <paramref name="configure"/> replace services; start it yourself.</summary>
    public static IHost Build(IEnumerable<KeyValuePair<string, string?>> settings, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddTicketSalesIngestion();
        configure?.Invoke(builder.Services);
        return builder.Build();
    }
}
