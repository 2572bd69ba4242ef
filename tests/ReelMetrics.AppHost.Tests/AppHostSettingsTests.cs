using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ReelMetrics.AppHost.Frontend;

namespace ReelMetrics.AppHost.Tests;

/// <summary>The AppHost reads its configuration once, into <see cref="AppHostSettings"/>, and passes on what services need.</summary>
public sealed class AppHostSettingsTests
{
    private static AppHostSettings Settings(params (string Key, string Value)[] values) => AppHostSettings.From(
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build());

    [Fact]
    public void WithNothingConfiguredThePortsAPersonTypesAreTheOriginalOnes()
    {
        var settings = Settings();
        Assert.Equal(new PortSettings { ApiDapper = 8001, ApiEf = 8002, Frontend = 3000, Identity = 8003 }, settings.Ports);
        Assert.Equal(FrontendMode.Development, settings.Frontend.Mode);
        Assert.Null(settings.Local.DataDirectory);
        Assert.Equal("docker", settings.ContainerRuntime);
    }

    [Fact]
    public void PortZeroPicksADifferentFreePortForEachResource()
    {
        var settings = Settings(("ReelMetrics:Ports:ApiDapper", "0"), ("ReelMetrics:Ports:ApiEf", "0"), ("ReelMetrics:Local:KafkaPort", "9555"));
        int[] ports = [settings.Ports.ApiDapper, settings.Ports.ApiEf, settings.Local.PostgresPort, settings.Local.RedisPort];
        Assert.All(ports, port => Assert.InRange(port, 1, 65535));
        Assert.Equal(ports.Length, ports.Distinct().Count());
        Assert.DoesNotContain(8001, ports);
        Assert.Equal(9555, settings.Local.KafkaPort);
    }

    [Fact]
    public void ServiceSectionsAreKeptWithTheirNestedKeys()
    {
        var settings = Settings(
            ("ReelMetrics:Generator:Rate", "5000"), ("ReelMetrics:Consumer:GroupId", "night-shift"),
            ("ReelMetrics:Consumer:Retry:Attempts", "3"), ("ReelMetrics:Frontend:Mode", "production"), ("ASPIRE_CONTAINER_RUNTIME", "podman"));
        Assert.Equal(new Dictionary<string, string> { ["Rate"] = "5000" }, settings.Generator);
        Assert.Equal(new Dictionary<string, string> { ["GroupId"] = "night-shift", ["Retry:Attempts"] = "3" }, settings.Consumer);
        Assert.Equal(FrontendMode.Production, settings.Frontend.Mode);
        Assert.Equal("podman", settings.ContainerRuntime);
    }

    [Fact]
    public async Task TheGeneratorIsToldToKeepServingOnceDoneAndGetsItsSettingsFromTheAppHost()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ReelMetrics_AppHost>(
            ["ReelMetrics:Infrastructure=Containers", "ReelMetrics:Generator:Rate=55", "ReelMetrics:Consumer:MaxBatchSize=123"],
            TestContext.Current.CancellationToken);
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        var projects = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ProjectResource>().ToList();

        var generator = await projects.Single(p => p.Name == "generator").PublishedEnvironmentAsync();
        var consumer = await projects.Single(p => p.Name == "consumer").PublishedEnvironmentAsync();

        Assert.Equal("false", generator["Generator__ExitWhenDone"]);
        Assert.Equal("55", generator["Generator__Rate"]);
        Assert.Equal("123", consumer["Consumer__MaxBatchSize"]);
        Assert.DoesNotContain(consumer, e => e.Key.StartsWith("Generator__", StringComparison.Ordinal));
    }
}
