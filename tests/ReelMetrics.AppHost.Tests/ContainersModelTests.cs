using Aspire.Hosting;
using Microsoft.Extensions.DependencyInjection;
using ReelMetrics.AppHost.Infrastructure.Kafka;

namespace ReelMetrics.AppHost.Tests;

/// <summary>The Containers backing is wired right: checked on the model, without starting any container.</summary>
public sealed class ContainersModelTests
{
    private static async Task<DistributedApplication> BuildAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ReelMetrics_AppHost>(
            ["ReelMetrics:Infrastructure=Containers"], TestContext.Current.CancellationToken);
        return await builder.BuildAsync(TestContext.Current.CancellationToken);
    }

    private static T Resource<T>(DistributedApplication app, string name) where T : IResource =>
        Assert.IsType<T>(app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == name), exactMatch: false);

    [Fact]
    public async Task KafkaIsASingleNodeKraftBrokerWithHostAndContainerListeners()
    {
        await using var app = await BuildAsync();
        var kafka = Resource<KafkaServerResource>(app, "kafka");

        var image = Assert.Single(kafka.Annotations.OfType<ContainerImageAnnotation>());
        Assert.Equal("confluentinc/confluent-local", image.Image);
        Assert.Equal("8.1.0", image.Tag);

        var endpoints = kafka.Annotations.OfType<EndpointAnnotation>().ToDictionary(e => e.Name);
        Assert.Equal(9092, endpoints["tcp"].TargetPort);
        Assert.Equal(9093, endpoints["internal"].TargetPort);
        Assert.NotEmpty(kafka.Annotations.OfType<HealthCheckAnnotation>());

        var environment = await kafka.PublishedEnvironmentAsync();
        Assert.Contains("PLAINTEXT_HOST://0.0.0.0:9092", environment["KAFKA_LISTENERS"]);
        Assert.Contains("PLAINTEXT_INTERNAL://kafka:9093", environment["KAFKA_ADVERTISED_LISTENERS"]);
        Assert.Contains("{kafka.bindings.tcp.port}", environment["KAFKA_ADVERTISED_LISTENERS"]);
    }

    [Fact]
    public async Task PostgresAndRedisAreAspireContainerResources()
    {
        await using var app = await BuildAsync();
        Resource<PostgresServerResource>(app, "postgres");
        var database = Resource<PostgresDatabaseResource>(app, "reelmetrics");
        Assert.Equal("reelmetrics", database.DatabaseName);
        Assert.Equal("identitydb", Resource<PostgresDatabaseResource>(app, "identitydb").DatabaseName);
        Resource<RedisResource>(app, "redis");
        Resource<ContainerResource>(app, "kafka-ui");
    }

    [Theory]
    [InlineData("generator", new[] { "kafka", "reelmetrics" })]
    [InlineData("consumer", new[] { "kafka", "reelmetrics", "redis" })]
    [InlineData("api-dapper", new[] { "reelmetrics", "redis" })]
    [InlineData("api-ef", new[] { "reelmetrics", "redis" })]
    [InlineData("migrations", new[] { "reelmetrics" })]
    [InlineData("identity", new[] { "identitydb" })]
    public async Task ServicesGetTheConnectionStringsTheyNeed(string service, string[] connections)
    {
        await using var app = await BuildAsync();
        var project = Resource<ProjectResource>(app, service);
        var environment = await project.PublishedEnvironmentAsync();
        foreach (var connection in connections)
        {
            Assert.Equal($"{{{connection}.connectionString}}", environment[$"ConnectionStrings__{connection}"]);
        }
    }

    [Fact]
    public async Task ServicesWaitForTheSchemaBeforeTouchingTheDatabase()
    {
        await using var app = await BuildAsync();
        foreach (var service in new[] { "generator", "consumer", "api-dapper", "api-ef" })
        {
            var waits = Resource<ProjectResource>(app, service).Annotations.OfType<WaitAnnotation>().ToList();
            Assert.Contains(waits, w => w.Resource.Name == "migrations" && w.WaitType == WaitType.WaitForCompletion);
        }
    }

    [Fact]
    public async Task TheApisAcceptTheIdentityServicesTokensAndTheDashboardSignsInWithIt()
    {
        await using var app = await BuildAsync();
        foreach (var api in new[] { "api-dapper", "api-ef" })
        {
            var environment = await Resource<ProjectResource>(app, api).PublishedEnvironmentAsync();
            Assert.Equal("{identity.bindings.http.url}", environment["Authentication__Schemes__Bearer__Authority"]);
            Assert.Equal("reelmetrics-api", environment["Authentication__Schemes__Bearer__ValidAudiences__0"]);
            Assert.Equal("false", environment["Authentication__Schemes__Bearer__RequireHttpsMetadata"]);
        }

        var frontend = await Resource<ExecutableResource>(app, "frontend").PublishedEnvironmentAsync();
        Assert.Equal("{identity.bindings.http.url}", frontend["REELMETRICS_IDENTITY_URL"]);

        var identity = await Resource<ProjectResource>(app, "identity").PublishedEnvironmentAsync();
        Assert.Equal("{frontend.bindings.http.url}", identity["Identity__DashboardOrigins__0"]);
        Assert.Equal("{api-dapper.bindings.http.url}", identity["Identity__ApiOrigins__0"]);
        Assert.Equal("{api-ef.bindings.http.url}", identity["Identity__ApiOrigins__1"]);
        Assert.Equal("viewer", identity["Identity__MachineClients__reelmetrics-reports__Role"]);
        Assert.Equal("{reports-client-secret.value}", identity["Identity__MachineClients__reelmetrics-reports__Secret"]);
    }

    [Theory]
    [InlineData("viewer")]
    [InlineData("operator")]
    [InlineData("admin")]
    public async Task EachDemoUsersPasswordIsAGeneratedSecretParameter(string user)
    {
        await using var app = await BuildAsync();
        var password = Resource<ParameterResource>(app, $"{user}-password");

        Assert.True(password.Secret);
        // Generated (and kept in the AppHost's user secrets), never a value from the repository.
        Assert.NotNull(password.Default);
        Assert.Matches("^[A-Za-z0-9]{20,}$", await password.GetValueAsync(TestContext.Current.CancellationToken));
        var identity = await Resource<ProjectResource>(app, "identity").PublishedEnvironmentAsync();
        Assert.Equal($"{{{user}-password.value}}", identity[$"Identity__DemoUsers__{user}__Password"]);
    }
}
