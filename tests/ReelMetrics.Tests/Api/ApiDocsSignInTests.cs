using System.Net;
using System.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ReelMetrics.Api.Security;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// The reference page and the OpenAPI document when the API knows its identity service: a browser without a token is
/// sent to sign in (OpenID Connect, code + PKCE, client <c>reelmetrics-api-docs</c>), every other route still answers
/// 401, the document declares the OAuth 2.0 flow and the page is set up to obtain a token with it. The identity
/// service here is a stand-in that serves only its discovery document: sign-in itself is the identity service's tests'.
/// </summary>
public sealed class ApiDocsSignInTests(ApiWorld world) : IClassFixture<ApiWorld>, IAsyncLifetime
{
    private WebApplication identity = null!;
    private ApiHost api = null!;
    private string authority = "";

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        identity = builder.Build();
        identity.MapGet("/.well-known/openid-configuration", (HttpRequest request) =>
        {
            var issuer = $"{request.Scheme}://{request.Host}/";
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer,
                ["authorization_endpoint"] = issuer + "connect/authorize",
                ["token_endpoint"] = issuer + "connect/token",
                ["userinfo_endpoint"] = issuer + "connect/userinfo",
                ["end_session_endpoint"] = issuer + "connect/endsession",
                ["jwks_uri"] = issuer + ".well-known/jwks",
                ["response_types_supported"] = new[] { "code" },
                ["code_challenge_methods_supported"] = new[] { "S256" },
            });
        });
        identity.MapGet("/.well-known/jwks", () => Results.Json(new { keys = Array.Empty<object>() }));
        await identity.StartAsync(TestContext.Current.CancellationToken);
        authority = identity.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single() + "/";
        api = world.StartHost(Backend.Dapper, new ApiSettings(world.Postgres, world.Redis, Extra: new Dictionary<string, string>
        {
            [$"{SecurityExtensions.BearerSection}:Authority"] = authority,
            [$"{SecurityExtensions.BearerSection}:RequireHttpsMetadata"] = "false",
        }));
    }

    public async ValueTask DisposeAsync()
    {
        await api.DisposeAsync();
        await identity.DisposeAsync();
    }

    [Theory]
    [InlineData("/scalar/")]
    [InlineData("/openapi/v1.json")]
    public async Task ABrowserWithoutATokenIsSentToSignInWithCodeAndPkce(string url)
    {
        using var browser = api.Browser();

        using var response = await browser.GetAsync(url, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(authority + "connect/authorize?", location.ToString(), StringComparison.Ordinal);
        var query = HttpUtility.ParseQueryString(location.Query);
        Assert.Equal(SecurityExtensions.DocsClientId, query["client_id"]);
        Assert.Equal("code", query["response_type"]);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.False(string.IsNullOrEmpty(query["code_challenge"]));
        Assert.EndsWith("/signin-oidc", query["redirect_uri"], StringComparison.Ordinal);
        Assert.Contains("roles", query["scope"]!.Split(' '));
    }

    [Fact]
    public async Task TheDataRoutesStillAnswer401ToABrowserWithoutAToken()
    {
        using var browser = api.Browser();

        using var response = await browser.GetAsync("/theaters", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task TheDocumentDeclaresTheAuthorizationCodeFlowOfTheIdentityService()
    {
        var document = (await api.Client.FetchAsync("/openapi/v1.json")).Node;

        var flow = document["components"]!["securitySchemes"]!["OAuth2"]!["flows"]!["authorizationCode"]!;
        Assert.Equal(authority + "connect/authorize", flow["authorizationUrl"]!.GetValue<string>());
        Assert.Equal(authority + "connect/token", flow["tokenUrl"]!.GetValue<string>());
        Assert.NotNull(flow["scopes"]![SecurityExtensions.ApiScope]);
        var security = document["paths"]!["/summary"]!["get"]!["security"]!.AsArray();
        Assert.Contains(security, requirement => requirement!["OAuth2"]?.AsArray().Any(s => s!.GetValue<string>() == SecurityExtensions.ApiScope) == true);
    }

    [Fact]
    public async Task TheReferencePageObtainsATokenAsTheDocsClientWithPkce()
    {
        var page = await api.Client.FetchAsync("/scalar/");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains(SecurityExtensions.DocsClientId, page.Body, StringComparison.Ordinal);
        Assert.Contains("SHA-256", page.Body, StringComparison.Ordinal);
        Assert.Contains("/scalar/", page.Body, StringComparison.Ordinal);
    }
}
