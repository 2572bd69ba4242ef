namespace ReelMetrics.AppHost.Infrastructure;

/// <summary>Finds a locally installed PostgreSQL server (the folder holding <c>postgres</c> and <c>initdb</c>).</summary>
public static class PostgresBinaries
{
    public static string? Find()
    {
        var candidates = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(VersionedFolders("/usr/lib/postgresql"))
            .Concat(VersionedFolders("/opt/homebrew/opt").Where(d => d.Contains("postgresql", StringComparison.Ordinal)))
            .Append("/usr/local/pgsql/bin");
        return candidates.FirstOrDefault(dir =>
            File.Exists(Path.Combine(dir, "postgres")) && File.Exists(Path.Combine(dir, "initdb")));
    }

    // /usr/lib/postgresql/<major>/bin, newest first.
    private static IEnumerable<string> VersionedFolders(string root) =>
        Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d).Split('@')[^1], out var major) ? major : 0)
                .Select(d => Path.Combine(d, "bin"))
            : [];
}
