using System.Net;
using ReelMetrics.Api;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// Secure by default: an API that cannot check tokens refuses to start, and nothing is read without a token unless
/// <c>Api:AllowAnonymousReads</c> is on (for demos), which opens the viewer routes and nothing more.
/// </summary>
public sealed class AnonymousReadsTests(ApiWorld world) : IClassFixture<ApiWorld>
{
    private static readonly Dictionary<string, string> AnonymousReads = new() { ["Api:AllowAnonymousReads"] = "true" };

    [Fact]
    public async Task AnonymousReadsAreOffByDefault()
    {
        var response = await world.Host(Backend.Dapper).Anonymous.FetchAsync("/summary");

        Assert.False(new ApiOptions().AllowAnonymousReads);
        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
    }

    [Theory]
    [InlineData(Backend.Dapper)]
    [InlineData(Backend.Ef)]
    public void AnApiThatCannotCheckTokensRefusesToStart(Backend backend)
    {
        var refused = Assert.ThrowsAny<Exception>(() =>
            ApiHost.Start(backend, new ApiSettings(world.Postgres, world.Redis, TestTokens: false), world.Clock));

        var message = refused is AggregateException aggregate ? aggregate.Flatten().InnerExceptions[0].Message : refused.Message;
        Assert.Contains("Authentication:Schemes:Bearer:Authority", message, StringComparison.Ordinal);
        Assert.Contains("Api:AllowAnonymousReads", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(Backend.Dapper)]
    [InlineData(Backend.Ef)]
    public async Task AnonymousReadsServeTheViewerRoutesWithoutATokenEvenWithoutAnIdentityService(Backend backend)
    {
        await using var host = world.StartHost(backend, new ApiSettings(world.Postgres, world.Redis, Extra: AnonymousReads, TestTokens: false));

        var theaters = await host.Anonymous.FetchAsync("/theaters");
        var document = await host.Anonymous.FetchAsync("/openapi/v1.json");
        await using var stream = await LiveStream.OpenAsync(host.Anonymous);
        var ticket = await host.Anonymous.SendForResponseAsync(new HttpRequestMessage(HttpMethod.Post, "/live/tickets"));

        Assert.Equal(HttpStatusCode.OK, theaters.Status);
        Assert.Equal(HttpStatusCode.OK, document.Status);
        Assert.Equal("text/event-stream", stream.MediaType);
        Assert.Equal(HttpStatusCode.OK, ticket.Status);
    }

    [Fact]
    public async Task WithAnonymousReadsSignedInUsersAreServedAsBefore()
    {
        await using var host = world.StartHost(Backend.Ef, new ApiSettings(world.Postgres, world.Redis, Extra: AnonymousReads));

        var signedIn = await host.Client.FetchAsync("/summary");
        var anonymous = await host.Anonymous.FetchAsync("/summary");

        Assert.Equal(HttpStatusCode.OK, signedIn.Status);
        Assert.Equal(signedIn.Comparable(), anonymous.Comparable());
    }
}
