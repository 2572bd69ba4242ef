namespace ReelMetrics.Tests.LocalInfrastructure;

/// <summary>Where tests find the ReelMetrics.LocalInfrastructure program (standins/ReelMetrics.LocalInfrastructure).</summary>
internal static class LocalInfrastructureCommand
{
    private const string Project = "ReelMetrics.LocalInfrastructure";

    /// <summary>
    /// The command's build in its own project output: the copy in the test output does not run on its own, since the test
    /// project's shared frameworks stand in for some of the command's package dependencies there.
    /// </summary>
    public static string Assembly()
    {
        var testOutput = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)); // …/bin/<Configuration>/<tfm>
        var configuration = testOutput.Parent!.Name;
        for (var directory = testOutput; directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "standins", Project, "bin", configuration, testOutput.Name, Project + ".dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"No {Project} build found in standins/ above {testOutput.FullName}");
    }
}
