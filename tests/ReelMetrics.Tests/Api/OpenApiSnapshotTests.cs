using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Api;

/// <summary>
/// The dashboard's TypeScript types are generated from a committed copy of the OpenAPI document
/// (<c>frontend/src/api/openapi.json</c>, then <c>npm run api:types</c>); these tests keep that copy equal to what both
/// backends serve, so a contract change cannot reach the dashboard without its types changing too.
/// </summary>
public sealed class OpenApiSnapshotTests(ApiWorld world) : IClassFixture<ApiWorld>
{
    /// <summary>Set to <c>1</c> to write the served document into the snapshot instead of failing.</summary>
    public const string UpdateVariable = "REELMETRICS_UPDATE_OPENAPI_SNAPSHOT";

    private const string SnapshotPath = "frontend/src/api/openapi.json";

    private static readonly string HowToUpdate =
        "If the change is meant, update the snapshot and regenerate the dashboard's types (src/api/schema.d.ts), in frontend/:\n" +
        "  npm run api:update\n" +
        $"(that is: {UpdateVariable}=1 dotnet test --project tests/ReelMetrics.Tests -- --filter-class {typeof(OpenApiSnapshotTests).FullName}\n" +
        " from the repository root, then npm run api:types in frontend/), then fix what `npm run typecheck` finds and commit.";

    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        IndentSize = 2,
        NewLine = "\n",
        // The document's descriptions hold quotes, `<`, `&` and dashes: keep them readable in the diff.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    [Fact]
    public async Task TheCommittedSnapshotIsTheDocumentBothBackendsServe()
    {
        var dapper = await ServedAsync(Backend.Dapper);
        var ef = await ServedAsync(Backend.Ef);
        Assert.True(dapper == ef, $"api-dapper and api-ef serve different documents:\n{FirstDifference("api-dapper", dapper, "api-ef", ef)}");

        var path = Path.Combine(TestDirectories.RepositoryRoot, SnapshotPath);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, dapper, TestContext.Current.CancellationToken);
            return;
        }

        Assert.True(File.Exists(path), $"{SnapshotPath} is missing.\n{HowToUpdate}");
        var committed = Normalized(JsonNode.Parse(await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken))!);
        Assert.True(committed == dapper,
            $"{SnapshotPath} is not the OpenAPI document the APIs serve:\n{FirstDifference("committed", committed, "served", dapper)}\n{HowToUpdate}");
    }

    [Fact]
    public async Task TheDocumentNamesNoServerSoTheSnapshotIsTheSameOnEveryMachine()
    {
        var document = (await world.Client(Backend.Ef).FetchAsync("/openapi/v1.json")).Node;

        Assert.Null(document["servers"]);
        Assert.DoesNotContain("localhost", document.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The document <paramref name="backend"/> serves, in the snapshot's form.</summary>
    private async Task<string> ServedAsync(Backend backend)
    {
        var response = await world.Client(backend).FetchAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.Status);
        return Normalized(response.Node);
    }

    /// <summary>Indented with two spaces, one property a line, a final newline: the form the snapshot is committed in.</summary>
    private static string Normalized(JsonNode document) => document.ToJsonString(Indented) + "\n";

    private static string FirstDifference(string leftName, string leftText, string rightName, string rightText)
    {
        var left = leftText.Split('\n');
        var right = rightText.Split('\n');
        var line = 0;
        while (line < left.Length && line < right.Length && left[line] == right[line]) line++;
        string At(string[] lines) => line < lines.Length ? lines[line].Trim() : "(end of document)";
        return $"  first difference at line {line + 1}:\n    {leftName}: {At(left)}\n    {rightName}: {At(right)}";
    }
}
