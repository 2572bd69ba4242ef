using System.Net;
using System.Text.Json.Nodes;

namespace ReelMetrics.Tests.Api;

/// <summary>Both backends document the same contract, and document all of it.</summary>
public sealed class OpenApiTests(ApiWorld world) : IClassFixture<ApiWorld>
{
    private static readonly string[] ContractPaths =
    [
        "/theaters", "/theaters/{id}", "/theaters/{id}/movies", "/theaters/{id}/showtimes", "/theaters/{id}/hours", "/top-theater/{date}",
        "/movies", "/movies/{id}/sales", "/leaderboards/theaters", "/leaderboards/movies", "/summary", "/pace", "/business-day", "/live",
        "/live/tickets", "/status", "/alerts",
        "/dead-letters", "/dead-letters/{id}", "/dead-letters/reasons", "/dead-letters/replay", "/dead-letters/discard",
    ];

    private async Task<JsonObject> DocumentAsync(Backend backend)
    {
        var response = await world.Client(backend).FetchAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        return response.Node.AsObject();
    }

    [Fact]
    public async Task BothBackendsServeTheSameDocument()
    {
        var dapper = await DocumentAsync(Backend.Dapper);
        var ef = await DocumentAsync(Backend.Ef);

        // Paths, operations, parameters and schemas, compared piece by piece for a readable failure, then whole.
        Assert.Equal(Keys(dapper["paths"]), Keys(ef["paths"]));
        foreach (var path in Keys(dapper["paths"]))
        {
            Assert.Equal(dapper["paths"]![path]!.ToJsonString(), ef["paths"]![path]!.ToJsonString());
        }
        Assert.Equal(Keys(dapper["components"]!["schemas"]), Keys(ef["components"]!["schemas"]));
        dapper.Remove("servers");
        ef.Remove("servers");
        Assert.True(JsonNode.DeepEquals(dapper, ef), "the two OpenAPI documents differ");
    }

    [Fact]
    public async Task EveryRouteOfTheContractIsDocumentedWithASummaryAndAnExample()
    {
        var document = await DocumentAsync(Backend.Dapper);

        Assert.Equal(ContractPaths.Order(StringComparer.Ordinal), Keys(document["paths"]).Order(StringComparer.Ordinal));
        foreach (var path in ContractPaths)
        {
            var get = document["paths"]![path]!.AsObject().Single().Value!;   // GET, or POST for /live/tickets
            Assert.False(string.IsNullOrWhiteSpace(get["summary"]?.GetValue<string>()), $"{path} has no summary");
            Assert.NotNull(get["operationId"]);
            var ok = get["responses"]!["200"]!["content"]!.AsObject().Single().Value!;
            Assert.True(ok["example"] is not null, $"{path} has no example");
            foreach (var parameter in get["parameters"]?.AsArray() ?? [])
            {
                Assert.False(string.IsNullOrWhiteSpace(parameter!["description"]?.GetValue<string>()), $"{path} {parameter["name"]} has no description");
                if (parameter["in"]!.GetValue<string>() == "path") Assert.NotNull(get["responses"]!["400"]);
            }
        }
    }

    [Fact]
    public async Task ParametersAreDocumentedWithTheirRealTypes()
    {
        var document = await DocumentAsync(Backend.Ef);

        JsonNode Parameter(string path, string name) =>
            document["paths"]![path]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == name)!["schema"]!;
        Assert.Equal("integer", Parameter("/theaters/{id}", "id")["type"]!.GetValue<string>());
        Assert.Equal("date", Parameter("/top-theater/{date}", "date")["format"]!.GetValue<string>());
        Assert.Equal("date", Parameter("/summary", "from")["format"]!.GetValue<string>());
        Assert.Equal(100, Parameter("/leaderboards/movies", "limit")["maximum"]!.GetValue<int>());
        Assert.Equal("text/event-stream", Keys(document["paths"]!["/live"]!["get"]!["responses"]!["200"]!["content"]).Single());
    }

    [Theory]
    [InlineData(Backend.Dapper)]
    [InlineData(Backend.Ef)]
    public async Task TheReferencePageIsServed(Backend backend)
    {
        // "/scalar/": "/scalar" redirects there, and HttpClient does not send the Authorization header on a redirect.
        var page = await world.Client(backend).FetchAsync("/scalar/");

        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Equal("text/html", page.MediaType);
    }

    [Fact]
    public async Task EveryOperationSaysItNeedsABearerTokenAndWhatItAnswersWithoutOne()
    {
        var document = await DocumentAsync(Backend.Dapper);

        var bearer = document["components"]!["securitySchemes"]!["Bearer"]!;
        Assert.Equal("http", bearer["type"]!.GetValue<string>());
        Assert.Equal("bearer", bearer["scheme"]!.GetValue<string>());
        foreach (var path in ContractPaths)
        {
            var operation = document["paths"]![path]!.AsObject().Single().Value!;
            var security = operation["security"]?.AsArray() ?? [];
            Assert.Contains(security, requirement => requirement!.AsObject().ContainsKey("Bearer"));
            Assert.NotNull(operation["responses"]!["401"]);
            Assert.NotNull(operation["responses"]!["403"]);
        }
    }

    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/scalar/")]
    public async Task TheDocumentAndTheReferencePageAreForSignedInUsersOnly(string url)
    {
        var host = world.Host(Backend.Ef);

        var anonymous = await host.Anonymous.FetchAsync(url);
        var withoutRole = await host.ClientAs(TestTokens.NoRole).FetchAsync(url);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
        Assert.Equal(HttpStatusCode.OK, withoutRole.Status);
    }

    private static List<string> Keys(JsonNode? node) => [.. node!.AsObject().Select(p => p.Key)];
}
