using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace ReelMetrics.Benchmarks;

/// <summary>
/// A program the benchmark runs as its own process (the consumer, the generator, an API, the naive consumer):
/// output to a log file, a way to wait for a line, a clean stop (SIGTERM, then SIGKILL), and its peak memory.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Lock gate = new();
    private readonly List<(Regex Pattern, TaskCompletionSource<string> Found)> waiters = [];
    private readonly List<string> lines = [];
    private long peakKb;

    /// <summary>Children not yet disposed: what an interrupted benchmark must not leave running.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<ChildProcess, byte> Running = new();

    /// <summary>Kills every child still running (and its own children), at once: for an interrupted benchmark.</summary>
    public static void KillAll()
    {
        foreach (var child in Running.Keys)
        {
            try
            {
                if (!child.process.HasExited) child.process.Kill(entireProcessTree: true);
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Exited meanwhile.
            }
        }
    }

    private ChildProcess(string name, Process process, StreamWriter log)
    {
        Name = name;
        this.process = process;
        this.log = log;
    }

    public string Name { get; }

    public int Id => process.Id;

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string logPath,
        string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            // A .NET host reads appsettings.json from its content root, the working directory: the program's own folder, as under the AppHost.
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        // Nothing from the benchmark's own environment may point a child at other servers.
        foreach (var key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("ConnectionStrings", StringComparison.OrdinalIgnoreCase) || key.StartsWith("OTEL_", StringComparison.Ordinal)
                || key.StartsWith("Consumer__", StringComparison.Ordinal) || key.StartsWith("Generator__", StringComparison.Ordinal)
                || key.StartsWith("Api__", StringComparison.Ordinal) || key is "ASPNETCORE_URLS" or "DOTNET_URLS")
            {
                info.Environment.Remove(key);
            }
        }
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (key, value) in environment) info.Environment[key] = value;

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        log.WriteLine($"# {fileName} {string.Join(' ', info.ArgumentList)}");
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process, log);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Start();
        Running[child] = 0;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Completes with the first output line (from now or earlier) that matches <paramref name="pattern"/>.</summary>
    public async Task<string> WaitForLineAsync(string pattern, TimeSpan timeout)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        lock (gate)
        {
            if (lines.FirstOrDefault(regex.IsMatch) is { } earlier) return earlier;
            waiters.Add((regex, found));
        }
        var exited = process.WaitForExitAsync();
        var winner = await Task.WhenAny(found.Task, exited, Task.Delay(timeout));
        if (winner == found.Task) return await found.Task;
        if (winner == exited) throw new BenchmarkFailure($"{Name} exited with code {process.ExitCode} before printing /{pattern}/ (see its log)");
        throw new BenchmarkFailure($"{Name} did not print /{pattern}/ within {timeout.TotalSeconds:0} s (see its log)");
    }

    /// <summary>VmHWM of the process: the peak resident set size, in KiB. Remembers the largest value read.</summary>
    public long PeakWorkingSetKb()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
            {
                if (VmHwm().Match(line) is { Success: true } match)
                {
                    var kb = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                    peakKb = Math.Max(peakKb, kb);
                }
            }
        }
        catch (IOException)
        {
            // exited: keep the last value read
        }
        catch (UnauthorizedAccessException)
        {
        }
        return peakKb;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new BenchmarkFailure($"{Name} did not exit within {timeout.TotalSeconds:0} s");
        }
        return process.ExitCode;
    }

    /// <summary>SIGTERM, then SIGKILL after <paramref name="grace"/>. Reads the peak memory first.</summary>
    public async Task StopAsync(TimeSpan? grace = null)
    {
        if (process.HasExited) return;
        PeakWorkingSetKb();
        _ = Kill(process.Id, 15);
        using var cts = new CancellationTokenSource(grace ?? TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        Running.TryRemove(this, out _);
        process.Dispose();
        lock (gate) log.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (gate)
        {
            log.WriteLine(line);
            if (lines.Count < 20_000) lines.Add(line);
            foreach (var (pattern, found) in waiters)
            {
                if (!found.Task.IsCompleted && pattern.IsMatch(line)) found.TrySetResult(line);
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"^VmHWM:\s+(\d+)\s+kB")]
    private static partial Regex VmHwm();
}

/// <summary>A benchmark could not be carried out, or its result is wrong (totals not exact): the run fails loudly.</summary>
internal sealed class BenchmarkFailure(string message) : Exception(message);
