using System.Text.RegularExpressions;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.Docs;

/// <summary>docs/architecture.md stays true: every repository path it names, in backticks or as a link, exists.</summary>
public sealed partial class ArchitecturePageTests
{
    private const string Page = "docs/architecture.md";

    [Fact]
    public void EveryRepositoryPathThePageNamesExists()
    {
        var root = TestDirectories.RepositoryRoot;
        var paths = RepositoryPaths(File.ReadAllText(Path.Combine(root, Page)), Path.GetDirectoryName(Page)!);

        Assert.True(paths.Count >= 40, $"the page names only {paths.Count} paths; the reader of this test expects it to map the code");
        var missing = paths.Where(path => !Exists(root, path)).ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public void AMovedFileIsReportedAndRoutesUrlsAndKeysAreNotPaths()
    {
        const string markdown = """
            The worker is `ReelMetrics.Consumer/Ingestion/IngestionWorker.cs`; the old one was `ReelMetrics.Consumer/Gone.cs`.
            See [events](events.md#the-event) and [the README](../README.md), not [the site](https://example.com/a/b.md).
            ```mermaid
            graph LR
                G(generator) --> K[[kafka]]
            ```
            Routes like `GET /live` or `/theaters/{id}` and keys like `ReelMetrics:Ports:ApiEf` or `ZADD GT` are not files;
            folders are: `ReelMetrics.Api/Apis/`, and so is `ReelMetrics.Database/Migrations/0003_aggregates.sql`.
            """;

        var paths = RepositoryPaths(markdown, "docs");

        string[] expected =
        [
            "ReelMetrics.Consumer/Ingestion/IngestionWorker.cs", "ReelMetrics.Consumer/Gone.cs", "ReelMetrics.Api/Apis/",
            "ReelMetrics.Database/Migrations/0003_aggregates.sql", "docs/events.md", "README.md",
        ];
        Assert.Equal(expected, paths);
        Assert.Equal(new[] { "ReelMetrics.Consumer/Gone.cs" }, paths.Where(path => !Exists(TestDirectories.RepositoryRoot, path)));
    }

    /// <summary>
    /// The repository paths in <paramref name="markdown"/>: code spans that look like a path (a slash inside, or a file
    /// name with an extension; never a route, which starts with a slash, nor anything with a space), relative to the
    /// repository's root, and link targets that are not URLs, relative to <paramref name="pageDirectory"/>.
    /// </summary>
    private static List<string> RepositoryPaths(string markdown, string pageDirectory)
    {
        markdown = FencedBlock().Replace(markdown, "");   // diagrams: names of resources, not of files
        var spans = CodeSpan().Matches(markdown).Select(m => m.Groups[1].Value)
            .Where(span => !span.Any(char.IsWhiteSpace) && !span.StartsWith('/')
                && (span.Contains('/', StringComparison.Ordinal) || FileName().IsMatch(span)));
        var links = Link().Matches(markdown).Select(m => m.Groups[1].Value)
            .Where(target => !target.Contains("://", StringComparison.Ordinal) && !target.StartsWith('#'))
            .Select(target => Path.GetRelativePath(".", Path.Combine(pageDirectory, target.Split('#')[0])).Replace('\\', '/'));
        return [.. spans.Concat(links).Distinct()];
    }

    private static bool Exists(string root, string path) =>
        File.Exists(Path.Combine(root, path)) || Directory.Exists(Path.Combine(root, path));

    [GeneratedRegex(@"```.*?```", RegexOptions.Singleline)]
    private static partial Regex FencedBlock();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^[\w.-]+\.(cs|csproj|sln|props|sql|md|ts|tsx|mjs|json)$")]
    private static partial Regex FileName();
}
