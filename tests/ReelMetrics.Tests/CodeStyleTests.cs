using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using ReelMetrics.Tests.Fixtures;

namespace ReelMetrics.Tests;

/// <summary>
/// The C# layout follows .editorconfig: <c>dotnet format whitespace --folder --verify-no-changes</c>, which needs no
/// build (about half a minute). The rest of <c>dotnet format</c> (code style and analyzers) is checked by the build
/// itself: EnforceCodeStyleInBuild and the analyzers, with warnings as errors (Directory.Build.props).
/// </summary>
public sealed partial class CodeStyleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task EveryCSharpFileIsLaidOutAsTheEditorConfigSays()
    {
        var files = await FilesToFormatAsync(TestDirectories.RepositoryRoot);

        Assert.True(files.Count == 0,
            $"Run `dotnet format whitespace --folder` at the repository's root; these files are not laid out as .editorconfig says:\n"
            + string.Join('\n', files));
    }

    [Fact]
    public async Task AFileLaidOutOtherwiseIsReported()
    {
        var folder = TestDirectories.Create("code-style");
        try
        {
            File.Copy(Path.Combine(TestDirectories.RepositoryRoot, ".editorconfig"), Path.Combine(folder, ".editorconfig"));
            await File.WriteAllTextAsync(Path.Combine(folder, "Tidy.cs"), "namespace Sample;\n\npublic sealed class Tidy\n{\n    public int Seats => 1;\n}\n", TestContext.Current.CancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder, "Untidy.cs"), "namespace Sample;\n\npublic sealed class Untidy {\n  public int Seats => 1;\n}\n", TestContext.Current.CancellationToken);

            var files = await FilesToFormatAsync(folder);

            Assert.Equal(["Untidy.cs"], files);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The files under <paramref name="folder"/> that <c>dotnet format whitespace</c> would change, relative to it.</summary>
    private static async Task<List<string>> FilesToFormatAsync(string folder)
    {
        var start = new ProcessStartInfo("dotnet", ["format", "whitespace", "--folder", "--verify-no-changes", "--verbosity", "quiet", folder])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet format did not start");
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(Timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        string text;
        lock (output) text = output.ToString();
        var files = FormatFinding().Matches(text)
            .Select(m => Path.GetRelativePath(folder, m.Groups["file"].Value))
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        // Exit code 2: changes needed (listed above); anything else non-zero is dotnet format failing, not a finding.
        Assert.True(process.ExitCode == 0 || (process.ExitCode == 2 && files.Count > 0), $"dotnet format exited with {process.ExitCode}:\n{text}");
        return files;
    }

    // "/path/File.cs(12,5): error WHITESPACE: Fix whitespace formatting. …"
    [GeneratedRegex(@"^(?<file>.+?\.cs)\(\d+,\d+\): error WHITESPACE", RegexOptions.Multiline)]
    private static partial Regex FormatFinding();
}
