using Microsoft.Extensions.DependencyInjection;
using ReelMetrics.Contracts;

namespace ReelMetrics.AppHost.Tests;

/// <summary>The Local backing is wired like the containers one: checked on the model, without starting anything.</summary>
public sealed class LocalModelTests
{
    [Theory]
    [InlineData("migrations", "reelmetrics_migrations")]
    [InlineData("generator", "reelmetrics_generator")]
    [InlineData("consumer", "reelmetrics_consumer")]
    [InlineData("api-dapper", "reelmetrics_api")]
    [InlineData("api-ef", "reelmetrics_api")]
    public async Task EachServiceConnectsToTheLocalServerAsItsOwnRole(string service, string role)
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ReelMetrics_AppHost>(
            ["ReelMetrics:Infrastructure=Local"], TestContext.Current.CancellationToken);
        await using var app = await builder.BuildAsync(TestContext.Current.CancellationToken);
        var project = app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<ProjectResource>().Single(r => r.Name == service);

        var environment = await project.PublishedEnvironmentAsync();

        Assert.Equal($"Host=127.0.0.1;Port={{postgres.bindings.tcp.port}};Username={role};Password={{db-{role["reelmetrics_".Length..]}-password.value}};Database=reelmetrics",
            environment[$"ConnectionStrings__{ConnectionNames.Database}"]);
        // librdkafka's mock broker knows no SASL: the services get a plain reference there.
        Assert.DoesNotContain(environment, e => e.Key.Contains("Sasl", StringComparison.Ordinal));
    }
}
