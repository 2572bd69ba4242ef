using System.Globalization;

namespace ReelMetrics.LocalInfrastructure.Postgres;

/// <summary>Thrown when no directory holding both <c>initdb</c> and <c>postgres</c> can be found.</summary>
/// <param name="searched">The directories that were looked in, in order.</param>
public sealed class PostgresNotFoundException(IReadOnlyList<string> searched)
    : Exception("PostgreSQL server binaries (initdb, postgres) were not found; install them with `apt-get install postgresql` "
        + $"(or pass their directory). Looked on PATH and in: {string.Join(", ", searched)}")
{
    /// <summary>The directories that were looked in, in order.</summary>
    public IReadOnlyList<string> Searched { get; } = searched;
}

/// <summary>Locates the PostgreSQL server binaries (<c>initdb</c>, <c>postgres</c>) on this machine.</summary>
public static class PostgresBinaries
{
    /// <summary>
    /// Returns the first directory holding both <c>initdb</c> and <c>postgres</c>: <paramref name="preferred"/> when given,
    /// then PATH, then distribution locations (newest major version first).
    /// </summary>
    /// <exception cref="PostgresNotFoundException">No such directory exists.</exception>
    public static string Find(string? preferred = null)
    {
        var candidates = Candidates(preferred).Distinct(StringComparer.Ordinal).ToList();
        var found = candidates.FirstOrDefault(IsServerDirectory) ?? throw new PostgresNotFoundException(candidates);

        // Symlinks on PATH (e.g. /usr/local/bin/postgres) point into an installation: use that directory, so that initdb
        // and postgres certainly come from the same one.
        var installed = Path.GetDirectoryName(Posix.RealPath(Path.Combine(found, "postgres")));
        return installed is not null && IsServerDirectory(installed) ? installed : found;
    }

    private static IEnumerable<string> Candidates(string? preferred)
    {
        if (!string.IsNullOrWhiteSpace(preferred))
        {
            yield return Path.GetFullPath(preferred);
            // An explicit choice that turns out wrong must not silently fall back to some other version.
            yield break;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            yield return dir;
        }

        foreach (var dir in Versioned("/usr/lib/postgresql", v => Path.Combine("/usr/lib/postgresql", v, "bin")))
        {
            yield return dir; // Debian, Ubuntu
        }

        foreach (var dir in Versioned("/usr", v => $"/usr/pgsql-{v}/bin", prefix: "pgsql-"))
        {
            yield return dir; // PGDG RPMs
        }

        yield return "/usr/local/pgsql/bin"; // built from source
        foreach (var root in new[] { "/opt/homebrew/opt", "/usr/local/opt" })
        {
            foreach (var dir in Versioned(root, v => Path.Combine(root, $"postgresql@{v}", "bin"), prefix: "postgresql@"))
            {
                yield return dir;
            }

            yield return Path.Combine(root, "postgresql", "bin");
        }

        yield return "/opt/homebrew/bin";
        yield return "/usr/local/bin";
        yield return "/Applications/Postgres.app/Contents/Versions/latest/bin";
    }

    /// <summary>Subdirectories of <paramref name="root"/> named by a version (after <paramref name="prefix"/>), highest first.</summary>
    private static IEnumerable<string> Versioned(string root, Func<string, string> binDirectory, string prefix = "")
    {
        if (!Directory.Exists(root))
        {
            return [];
        }

        return Directory.EnumerateDirectories(root, prefix + "*")
            .Select(path => Path.GetFileName(path)[prefix.Length..])
            .Select(name => (Name: name, Version: decimal.TryParse(name, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) ? v : (decimal?)null))
            .Where(entry => entry.Version is not null)
            .OrderByDescending(entry => entry.Version)
            .Select(entry => binDirectory(entry.Name));
    }

    private static bool IsServerDirectory(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "postgres"));
}
