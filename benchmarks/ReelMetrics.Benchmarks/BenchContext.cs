using System.Globalization;

namespace ReelMetrics.Benchmarks;

/// <summary>What every part of one benchmark run shares: servers, programs, output folder, log, failures.</summary>
internal sealed class BenchContext(BenchInfrastructure infrastructure, Products products, string outputDirectory, string runId) : IDisposable
{
    private readonly List<string> failures = [];
    private readonly StreamWriter log = new(Path.Combine(outputDirectory, "benchmark.log"), append: true) { AutoFlush = true };

    public BenchInfrastructure Infrastructure { get; } = infrastructure;

    public Products Products { get; } = products;

    public string OutputDirectory { get; } = outputDirectory;

    public string RunId { get; } = runId;

    /// <summary>The UTC date the databases were migrated for: the generator sells the showtimes around it.</summary>
    public DateOnly Today { get; } = DateOnly.FromDateTime(DateTime.UtcNow);

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(10) };

    public IReadOnlyList<string> Failures => failures;

    public void Say(string message)
    {
        var line = $"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {message}";
        Console.WriteLine(line);
        lock (log) log.WriteLine(line);
    }

    /// <summary>Prints an exactness report; a failed one makes the whole run fail (after the other measurements).</summary>
    public void Report(string run, ExactnessReport report)
    {
        foreach (var check in report.Checks) Say($"{run}: {check}");
        if (report.Exact) return;
        foreach (var problem in report.Problems) Say($"{run}: NOT EXACT: {problem}");
        failures.Add($"{run}: totals are not exact");
    }

    public void Fail(string message)
    {
        Say("FAILED: " + message);
        failures.Add(message);
    }

    public void Dispose()
    {
        Http.Dispose();
        log.Dispose();
    }
}
