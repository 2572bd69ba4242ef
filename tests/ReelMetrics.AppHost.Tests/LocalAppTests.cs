using System.Net;
using System.Text.Json;

namespace ReelMetrics.AppHost.Tests;

[Collection(LocalAppCollection.Name)]
public sealed class LocalAppTests(LocalAppFixture fixture)
{
    [Theory]
    [InlineData("api-dapper")]
    [InlineData("api-ef")]
    public async Task EachApiReportsHealthy(string api)
    {
        // /health is open: no token.
        using var client = fixture.CreateHttpClient(api);
        var response = await client.GetAsync("/health", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("api-dapper")]
    [InlineData("api-ef")]
    public async Task EachApiListsTheSeededTheatersWithTheOriginalIds(string api)
    {
        using var client = await fixture.CreateSignedInClientAsync(api, "viewer", TestContext.Current.CancellationToken);
        using var theaters = JsonDocument.Parse(await client.GetStringAsync("/theaters", TestContext.Current.CancellationToken));

        var byId = theaters.RootElement.EnumerateArray().ToDictionary(
            t => t.GetProperty("theater_id").GetInt32(),
            t => t.GetProperty("name").GetString());
        Assert.True(byId.Count >= 20, $"expected a realistic chain, got {byId.Count} theaters");
        Assert.Equal("AMC Century City", byId[1]);
        Assert.Equal("Regal LA Live", byId[2]);
        Assert.Equal("Cinemark Playa Vista", byId[3]);
        Assert.All(theaters.RootElement.EnumerateArray(), t => Assert.True(t.GetProperty("seats").GetInt32() > 0));
    }

    [Fact]
    public async Task BothApisAnswerTheatersIdentically()
    {
        var ct = TestContext.Current.CancellationToken;
        using var dapper = await fixture.CreateSignedInClientAsync("api-dapper", "viewer", ct);
        using var ef = await fixture.CreateSignedInClientAsync("api-ef", "viewer", ct);
        Assert.Equal(await dapper.GetStringAsync("/theaters", ct), await ef.GetStringAsync("/theaters", ct));
    }

    [Theory]
    [InlineData("api-dapper")]
    [InlineData("api-ef")]
    public async Task EachApiRefusesRevenueWithoutSignIn(string api)
    {
        using var client = fixture.CreateHttpClient(api);
        var response = await client.GetAsync("/theaters", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public void EveryResourceOfTheArchitectureIsRunning()
    {
        foreach (var name in LocalAppFixture.Resources.Append("migrations"))
        {
            Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(name, out var state), $"{name} is not in the model");
            var expected = name == "migrations" ? KnownResourceStates.Finished : KnownResourceStates.Running;
            Assert.Equal(expected, state.Snapshot.State?.Text);
        }
    }
}
