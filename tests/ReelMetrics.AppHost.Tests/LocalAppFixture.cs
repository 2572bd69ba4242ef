using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ReelMetrics.AppHost.Tests;

/// <summary>
/// The whole ReelMetrics application, started once in Local mode (no containers) for every test
/// that needs it: its own PostgreSQL data directory, free ports, and the generator switched on.
/// </summary>
public sealed class LocalAppFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(6);

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

    /// <summary>The generated password of demo user <paramref name="user"/> (<c>viewer</c>, <c>operator</c>, <c>admin</c>).</summary>
    public async Task<string> DemoPasswordAsync(string user, CancellationToken cancellationToken)
    {
        var model = App.Services.GetRequiredService<DistributedApplicationModel>();
        var parameter = model.Resources.OfType<ParameterResource>().Single(p => p.Name == $"{user}-password");
        return await parameter.GetValueAsync(cancellationToken) ?? throw new InvalidOperationException($"{parameter.Name} has no value");
    }

    /// <summary>
    /// A client of <paramref name="resource"/> signed in as demo user <paramref name="user"/>: an access token from the
    /// identity service's token endpoint (password grant of the <c>reelmetrics-cli</c> client, as the README shows).
    /// </summary>
    public async Task<HttpClient> CreateSignedInClientAsync(string resource, string user, CancellationToken cancellationToken)
    {
        using var identity = CreateHttpClient("identity");
        using var response = await identity.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "password",
            ["client_id"] = "reelmetrics-cli",
            ["username"] = user,
            ["password"] = await DemoPasswordAsync(user, cancellationToken),
            ["scope"] = "reelmetrics.api",
        }), cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"signing in as {user} failed: {(int)response.StatusCode} {body}");
        using var token = System.Text.Json.JsonDocument.Parse(body);
        var client = CreateHttpClient(resource);
        client.DefaultRequestHeaders.Authorization =
            new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token.RootElement.GetProperty("access_token").GetString());
        return client;
    }

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
