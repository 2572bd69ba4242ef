using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ReelMetrics.Api.Security;
using ReelMetrics.Contracts;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// Every route of both APIs, read from their endpoint data sources (a new route is in the matrix without anyone adding
/// it), against every kind of caller: no token or a bad one is 401, a role below the route's is 403, the route's role
/// and those above it are served. Only <c>/health</c> and <c>/alive</c> are open.
/// </summary>
public sealed partial class AuthorizationMatrixTests(ApiWorld world) : IClassFixture<ApiWorld>
{
    /// <summary>What a route asks of a caller: <see cref="Open"/>, <see cref="SignedIn"/> (any role) or a role.</summary>
    private const string Open = "open";
    private const string SignedIn = "signed in";

    private sealed record Route(string Method, string Pattern, string Url, string Needs)
    {
        public override string ToString() => $"{Method} {Url} ({Needs})";
    }

    /// <summary>Callers below every role, with what is wrong with each.</summary>
    private static readonly (string Why, string? Token)[] Unauthenticated =
    [
        ("no token", null),
        ("an expired token", TestTokens.Mint(new TokenRequest { Expires = DateTimeOffset.UtcNow.AddHours(-1) })),
        ("a token for another audience", TestTokens.Mint(new TokenRequest { Audience = "another-api" })),
        ("a token of another issuer", TestTokens.Mint(new TokenRequest { Issuer = "https://elsewhere.test/" })),
        ("a token signed with another key", TestTokens.Mint(new TokenRequest { WrongKey = true })),
        ("a token that is not a JWT", "not-a-token"),
    ];

    /// <summary>Signed-in callers, each with the highest role it has (null: none).</summary>
    private static readonly (string Who, string? Role, string Token)[] SignedInCallers =
    [
        ("a user without a role", null, TestTokens.ForRole(TestTokens.NoRole)),
        ("the viewer", Roles.Viewer, TestTokens.ForRole(Roles.Viewer)),
        ("the operator", Roles.Operator, TestTokens.ForRole(Roles.Operator)),
        ("the admin", Roles.Admin, TestTokens.ForRole(Roles.Admin)),
        ("a machine client with the viewer role", Roles.Viewer, TestTokens.ForClient("reelmetrics-loadtest", Roles.Viewer)),
    ];

    private List<Route> Routes(Backend backend)
    {
        var today = world.Sales.Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var routes = new List<Route>();
        foreach (var endpoint in world.Host(backend).Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = endpoint.RoutePattern.RawText ?? "";
            var url = Parameter().Replace(pattern, match => match.Groups["name"].Value switch
            {
                "id" => "1",
                "date" => today,
                "documentName" => "v1",
                _ => "x",
            });
            if (!url.StartsWith('/')) url = "/" + url;
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                routes.Add(new Route(method, pattern, url, Needs(endpoint)));
            }
        }
        return routes;
    }

    private static string Needs(Endpoint endpoint)
    {
        if (endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null) return Open;
        var policies = endpoint.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy ?? Policies.Viewer).DefaultIfEmpty(Policies.Viewer);
        var roles = policies.Select(p => Policies.MinimumRole.GetValueOrDefault(p)).OfType<string>().ToList();
        return roles.Count == 0 ? SignedIn : roles.MaxBy(r => Roles.All.ToList().IndexOf(r))!;
    }

    private static bool Satisfies(string? role, string needs) => needs switch
    {
        Open or SignedIn => true,
        _ => role is not null && Roles.AtLeast(needs).Contains(role),
    };

    [GeneratedRegex(@"^/scalar/[\w.-]+\.(js|svg)$")]
    private static partial Regex ScalarAsset();

    [GeneratedRegex(@"\{\*{0,2}(?<name>[^}:?=]+)[^}]*\}")]
    private static partial Regex Parameter();

    [Fact]
    public void BothApisHaveTheSameRoutesWithTheSameRequirementsAndOnlyHealthChecksAreOpen()
    {
        var dapper = Routes(Backend.Dapper);
        var ef = Routes(Backend.Ef);

        Assert.Equal(dapper.Select(r => r.ToString()).Order(StringComparer.Ordinal), ef.Select(r => r.ToString()).Order(StringComparer.Ordinal));
        // Scalar marks its own script files and icon open (MapScalarApiReference): library code, no data.
        var open = dapper.Where(r => r.Needs == Open && !ScalarAsset().IsMatch(r.Pattern)).Select(r => r.Pattern);
        Assert.Equal(["/alive", "/health"], open.Order(StringComparer.Ordinal));
        Assert.Contains(dapper, r => r.Pattern == "/live" && r.Needs == Roles.Viewer);
        Assert.Contains(dapper, r => r.Pattern == "/live/tickets" && r.Method == "POST" && r.Needs == Roles.Viewer);
        Assert.True(dapper.Count >= 15, string.Join(", ", dapper));
    }

    [Theory]
    [InlineData(Backend.Dapper)]
    [InlineData(Backend.Ef)]
    public async Task EveryRouteButTheHealthChecksRefusesCallersWithoutAValidTokenAsAProblem(Backend backend)
    {
        var host = world.Host(backend);
        var failures = new List<string>();
        foreach (var route in Routes(backend))
        {
            foreach (var (why, token) in Unauthenticated)
            {
                var answer = await SendAsync(host.ClientWith(token), route);
                var expected = route.Needs == Open ? answer.Status is >= 200 and < 300 : answer.Status == 401 && answer.IsProblem && answer.ChallengesBearer;
                if (!expected) failures.Add($"{route} with {why}: {answer}");
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        TestContext.Current.TestOutputHelper?.WriteLine($"{backend}: {Routes(backend).Count} routes × {Unauthenticated.Length} callers without a valid token");
    }

    [Theory]
    [InlineData(Backend.Dapper)]
    [InlineData(Backend.Ef)]
    public async Task EveryRouteRefusesRolesBelowItsOwnAndServesTheRest(Backend backend)
    {
        var host = world.Host(backend);
        var failures = new List<string>();
        var served = 0;
        foreach (var route in Routes(backend))
        {
            foreach (var (who, role, token) in SignedInCallers)
            {
                var answer = await SendAsync(host.ClientWith(token), route);
                var allowed = Satisfies(role, route.Needs);
                var expected = allowed ? answer.Status is >= 200 and < 500 and not 401 and not 403 : answer.Status == 403 && answer.IsProblem;
                if (!expected) failures.Add($"{route} as {who}: {answer}");
                if (allowed && answer.Status is >= 200 and < 300) served++;
            }
        }
        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(served > 0);
        TestContext.Current.TestOutputHelper?.WriteLine($"{backend}: {Routes(backend).Count} routes × {SignedInCallers.Length} signed-in callers, {served} served");
    }

    private sealed record Answer(int Status, string? MediaType, string? WwwAuthenticate, string Body)
    {
        public bool IsProblem => MediaType == "application/problem+json" && Body.Contains($"\"status\":{Status}", StringComparison.Ordinal);

        public bool ChallengesBearer => WwwAuthenticate?.StartsWith("Bearer", StringComparison.Ordinal) == true;

        public override string ToString() => $"{Status} {MediaType} [{WwwAuthenticate}] {(Body.Length > 200 ? Body[..200] : Body)}";
    }

    /// <summary>Sends one request; a stream (<c>GET /live</c>) is closed once its status is known.</summary>
    private static async Task<Answer> SendAsync(HttpClient client, Route route)
    {
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Url);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var body = mediaType == "text/event-stream" ? "" : await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return new Answer((int)response.StatusCode, mediaType, response.Headers.WwwAuthenticate.ToString(), body);
    }
}
