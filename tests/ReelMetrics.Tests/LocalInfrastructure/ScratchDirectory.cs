using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests.LocalInfrastructure;

/// <summary>A scratch directory for one test, deleted on disposal (after the servers using it have stopped).</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public string Path { get; } = TestDirectories.Create("pg");

    /// <summary>Where a PostgreSQL data directory goes inside the scratch directory (same layout as <see cref="PostgresFixture"/>).</summary>
    public string DataDirectory => System.IO.Path.Combine(Path, "data");

    public void Dispose() => TestDirectories.Delete(Path);
}
