using System.Diagnostics;
using System.Text;

namespace ReelMetrics.AppHost.Tests;

/// <summary>Runs an npm script of the frontend and reports its exit code and output.</summary>
internal static class NpmScript
{
    public static readonly string FrontendDirectory = Path.GetFullPath(
        Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "frontend"));

    public sealed record Result(int ExitCode, string Output)
    {
        /// <summary>
        /// The output for a failure message: node's own list of the failing tests and their errors first (the end of
        /// its spec report), then the whole output. CI shows only the first lines of a failed test's message at the
        /// end of its log, and a browser suite's output starts with passing tests.
        /// </summary>
        public string Report
        {
            get
            {
                var failing = Output.LastIndexOf("✖ failing tests:", StringComparison.Ordinal);
                return failing < 0 ? Output : $"{Output[failing..].TrimEnd()}\n\n--- the whole output ---\n{Output}";
            }
        }
    }

    public static async Task<Result> RunAsync(string script, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("npm", ["run", script])
        {
            WorkingDirectory = FrontendDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["CI"] = "true";
        start.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException("npm did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            lock (output) return new Result(-1, $"`npm run {script}` did not finish within {timeout}.\n{output}");
        }
        lock (output) return new Result(process.ExitCode, output.ToString());
    }
}
