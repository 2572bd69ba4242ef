using System.Globalization;

namespace ReelMetrics.Tests.Fixtures;

/// <summary>
/// Scratch directories for servers started by tests, under <c>$TMPDIR/reelmetrics-tests</c>, named after the test process so
/// that a later run can recognise and remove what a killed run left behind.
/// </summary>
public static class TestDirectories
{
    /// <summary>The repository's root: the nearest parent of the test's output folder that holds ReelMetrics.sln.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The parent of every scratch directory.</summary>
    public static string Root { get; } = Path.Combine(Path.GetTempPath(), "reelmetrics-tests");

    /// <summary>Creates a new, empty directory <c>{kind}-{pid}-{process start}-{random}</c> for this test process.</summary>
    public static string Create(string kind)
    {
        var pid = Environment.ProcessId;
        var path = Path.Combine(Root, $"{kind}-{pid}-{StartTimeOf(pid) ?? "0"}-{Guid.NewGuid().ToString("N")[..8]}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Scratch directories of <paramref name="kind"/> whose test process no longer runs.</summary>
    public static IEnumerable<string> Abandoned(string kind)
    {
        if (!Directory.Exists(Root))
        {
            yield break;
        }

        foreach (var path in Directory.EnumerateDirectories(Root, kind + "-*"))
        {
            var parts = Path.GetFileName(path).Split('-');
            if (parts.Length == 4
                && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && parts[2] != "0"
                && StartTimeOf(pid) != parts[2])
            {
                yield return path;
            }
        }
    }

    /// <summary>Deletes a directory tree, ignoring anything already gone.</summary>
    public static void Delete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ReelMetrics.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"No ReelMetrics.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>A process's start time in clock ticks since boot from /proc, which tells a process from a later one with the same pid.</summary>
    private static string? StartTimeOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return null;
        }
    }
}
