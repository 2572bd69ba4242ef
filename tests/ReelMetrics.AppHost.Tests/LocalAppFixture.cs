using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReelMetrics.AppHost.Tests;

/// <summary>
/// The whole ReelMetrics application, started once in Local mode (no containers) for every test
/// that needs it: its own PostgreSQL data directory, free ports, and the generator switched on.
/// </summary>
public sealed class LocalAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(4);

    private readonly string dataDirectory = Path.Combine(Path.GetTempPath(), $"reelmetrics-apphost-tests-{Guid.NewGuid():N}");

    public DistributedApplication App { get; private set; } = null!;

    public static readonly string[] Resources =
        ["kafka", "postgres", "reelmetrics", "identitydb", "redis", "generator", "consumer", "identity", "api-dapper", "api-ef", "frontend"];

    public async ValueTask InitializeAsync()
    {
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.ReelMetrics_AppHost>(
            [
                "ReelMetrics:Infrastructure=Local",
                $"ReelMetrics:Local:DataDirectory={dataDirectory}",
                "ReelMetrics:Ports:ApiDapper=0",
                "ReelMetrics:Ports:ApiEf=0",
                "ReelMetrics:Ports:Frontend=0",
                "ReelMetrics:Ports:Identity=0",
            ],
            cts.Token);
        builder.Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        App = await builder.BuildAsync(cts.Token);
        await App.StartAsync(cts.Token);
        foreach (var resource in Resources)
        {
            await WaitUntilUpAsync(resource, cts.Token);
        }
    }

    private async Task WaitUntilUpAsync(string resource, CancellationToken cancellationToken)
    {
        try
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            var state = App.ResourceNotifications.TryGetCurrentState(resource, out var e) ? e.Snapshot.State?.Text : "unknown";
            throw new TimeoutException($"Resource '{resource}' did not become healthy within {StartTimeout} (state: {state}).");
        }
    }

    public HttpClient CreateHttpClient(string resource) => App.CreateHttpClient(resource, "http");

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        try { Directory.Delete(dataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

[CollectionDefinition(Name)]
public sealed class LocalAppCollection : ICollectionFixture<LocalAppFixture>
{
    public const string Name = "Local app";
}
