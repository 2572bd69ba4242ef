using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace ReelMetrics.Tests.Ingestion;

/// <summary>
/// The consumer in a process of its own (ReelMetrics.Consumer.dll, its settings as environment variables), so that it can
/// really be killed (SIGKILL: no shutdown, no commit, batches in flight) or stopped as an orchestrator stops it (SIGTERM).
/// Keeps the last lines of its output, to show what it said before it died.
/// </summary>
internal sealed class ConsumerProcess : IDisposable
{
    private const int SigTerm = 15;
    private const int KeptLines = 300;

    private readonly Process process;
    private const int KeptWarningLines = 40;

    private readonly Queue<string> recent = new();
    private readonly Queue<string> warnings = new();
    private bool inWarning;
    private StreamWriter? fullLog;

    private ConsumerProcess(Process process, string name)
    {
        this.process = process;
        Name = name;
    }

    /// <summary>A name for reports, e.g. <c>consumer A#2</c>.</summary>
    public string Name { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>The exit code once exited (137 after SIGKILL).</summary>
    public int ExitCode => process.ExitCode;

    /// <param name="settings">Configuration keys (<c>Consumer:GroupId</c>), passed as environment variables (<c>Consumer__GroupId</c>).</param>
    /// <param name="name">A name for reports.</param>
    public static ConsumerProcess Start(IReadOnlyDictionary<string, string?> settings, string name = "consumer")
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "ReelMetrics.Consumer.dll")])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        // The consumer's own appsettings.json, as in production: the one in the test output is whichever referenced
        // service copied it last (the identity server's, which logs every PostgreSQL command).
        start.Environment["ASPNETCORE_CONTENTROOT"] = ProjectDirectory("ReelMetrics.Consumer");
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var process = Process.Start(start)!;
        var consumer = new ConsumerProcess(process, name);
        // REELMETRICS_TEST_CONSUMER_LOGS=<directory> keeps every consumer's whole output there, to study a failed run.
        if (Environment.GetEnvironmentVariable("REELMETRICS_TEST_CONSUMER_LOGS") is { Length: > 0 } logs)
        {
            Directory.CreateDirectory(logs);
            consumer.fullLog = new StreamWriter(Path.Combine(logs, $"{name.Replace(' ', '-').Replace('#', '-')}-{process.Id}.log")) { AutoFlush = true };
        }
        process.OutputDataReceived += (_, e) => consumer.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => consumer.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return consumer;
    }

    public Task ThrowIfExited() =>
        process.HasExited ? throw new InvalidOperationException($"the consumer exited with code {process.ExitCode}") : Task.CompletedTask;

    /// <summary>SIGKILL.</summary>
    public void Kill() => process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM: the host stops gracefully (the consumer leaves its group and exits).</summary>
    public void Terminate()
    {
        if (!process.HasExited && Signal(process.Id, SigTerm) != 0 && !process.HasExited)
        {
            throw new InvalidOperationException($"kill -TERM {process.Id} failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>True when the process exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The last lines the process wrote (stdout and stderr), oldest first.</summary>
    public IReadOnlyList<string> RecentOutput(int lines = KeptLines)
    {
        lock (recent) return [.. recent.Skip(Math.Max(0, recent.Count - lines))];
    }

    /// <summary>The last warnings, errors and critical entries it logged (with their message lines), oldest first.</summary>
    public IReadOnlyList<string> RecentWarnings()
    {
        lock (recent) return [.. warnings];
    }

    public void Dispose()
    {
        if (!process.HasExited) process.Kill(entireProcessTree: true);
        process.WaitForExit();
        lock (recent)
        {
            fullLog?.Dispose();
            fullLog = null;
        }
        process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (recent)
        {
            fullLog?.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {line}");
            recent.Enqueue(line);
            if (recent.Count > KeptLines) recent.Dequeue();

            // The console logger writes "warn: Category[id]" and then the message on indented lines.
            if (line.StartsWith("warn:", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal))
            {
                inWarning = true;
            }
            else if (!line.StartsWith(' '))
            {
                inWarning = false;
            }
            if (!inWarning) return;
            warnings.Enqueue(line);
            if (warnings.Count > KeptWarningLines) warnings.Dequeue();
        }
    }

    /// <summary>A referenced project's source directory, from the manifest the test SDK writes next to the tests.</summary>
    private static string ProjectDirectory(string assemblyName)
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "MvcTestingAppManifest.json")));
        var entry = manifest.RootElement.EnumerateObject().Single(p => p.Name.StartsWith(assemblyName + ",", StringComparison.Ordinal));
        return entry.Value.GetString()!;
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Signal(int pid, int signal);
}
