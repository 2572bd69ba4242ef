using System.Diagnostics;
using System.Globalization;
using ReelMetrics.Contracts;

namespace ReelMetrics.Benchmarks;

/// <summary>
/// The product's programs, built in Release and run from their build output as separate processes:
/// the consumer, the generator and the two APIs.
/// </summary>
internal sealed class Products(string repositoryRoot, string logDirectory)
{
    public const string Consumer = "ReelMetrics.Consumer";
    public const string Generator = "ReelMetrics.Generator";
    public const string ApiDapper = "ReelMetrics.ApiDapper";
    public const string ApiEf = "ReelMetrics.ApiEf";

    public string RepositoryRoot { get; } = repositoryRoot;

    public string LogDirectory { get; } = logDirectory;

    public static string FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ReelMetrics.sln"))) return dir.FullName;
            }
        }
        throw new BenchmarkFailure("cannot find ReelMetrics.sln above the current directory");
    }

    /// <summary><c>dotnet build -c Release</c> of each program the benchmark runs.</summary>
    public async Task BuildAsync(IEnumerable<string> projects, Action<string> say)
    {
        foreach (var project in projects)
        {
            say($"building {project} (Release)");
            await RunAsync("dotnet", ["build", "-c", "Release", "-nologo", "-v", "q", Path.Combine(RepositoryRoot, project, project + ".csproj")],
                $"building {project}");
        }
    }

    /// <summary>
    /// The consumer as it was at <paramref name="revision"/> (a commit, tag or branch), built in Release from a copy of
    /// that commit's files (git archive; the repository itself is not touched): what a variant <c>COMMIT=rev</c> runs, so
    /// that a code change is measured side by side with the code before it, on the same topic in the same run.
    /// </summary>
    /// <returns>The path of that consumer's dll.</returns>
    public async Task<string> BuildConsumerAtAsync(string revision, Action<string> say)
    {
        var commit = (await RunAsync("git", ["-C", RepositoryRoot, "rev-parse", "--verify", "--short=12", revision + "^{commit}"], $"no commit '{revision}'")).Trim();
        var root = Path.Combine(Path.GetTempPath(), "reelmetrics-bench-builds", commit);
        var dll = Path.Combine(root, Consumer, "bin", "Release", "net10.0", Consumer + ".dll");
        if (File.Exists(dll)) return dll;
        say($"building {Consumer} at {commit} (Release, in {root})");
        Directory.CreateDirectory(root);
        await RunAsync("bash", ["-c", $"git -C '{RepositoryRoot}' archive {commit} | tar -x -C '{root}'"], $"extracting {commit}");
        // No build servers left behind to run beside the drains.
        await RunAsync("dotnet", ["build", "-c", "Release", "-nologo", "-v", "q", "-nodeReuse:false", "-p:UseSharedCompilation=false",
            Path.Combine(root, Consumer, Consumer + ".csproj")], $"building {Consumer} at {commit}");
        return dll;
    }

    /// <summary>
    /// This repository's consumer published with ReadyToRun (its code and its libraries' compiled ahead of time by
    /// crossgen2, for linux-x64): what a variant <c>READYTORUN=1</c> runs, to measure what start-up compilation costs.
    /// </summary>
    /// <returns>The path of that consumer's dll.</returns>
    public async Task<string> PublishReadyToRunConsumerAsync(Action<string> say)
    {
        var folder = Path.Combine(Path.GetTempPath(), "reelmetrics-bench-builds", "readytorun");
        say($"publishing {Consumer} with ReadyToRun (Release, linux-x64, in {folder})");
        await RunAsync("dotnet", ["publish", "-c", "Release", "-r", "linux-x64", "--self-contained", "false", "-p:PublishReadyToRun=true",
            "-nologo", "-v", "q", "-nodeReuse:false", "-p:UseSharedCompilation=false", "-o", folder,
            Path.Combine(RepositoryRoot, Consumer, Consumer + ".csproj")], $"publishing {Consumer} with ReadyToRun");
        return Path.Combine(folder, Consumer + ".dll");
    }

    private static async Task<string> RunAsync(string program, IEnumerable<string> arguments, string what)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(cts.Token);
        if (process.ExitCode != 0) throw new BenchmarkFailure($"{what} failed:\n{await output}\n{await error}");
        return await output;
    }

    public string DllOf(string project) => Path.Combine(RepositoryRoot, project, "bin", "Release", "net10.0", project + ".dll");

    /// <summary>The real consumer, configured the way the AppHost configures it, on the given topic, group and stores.</summary>
    /// <param name="dll">Another build of the consumer (<see cref="BuildConsumerAtAsync"/>); this repository's by default.</param>
    public ChildProcess StartConsumer(string name, string bootstrap, string topic, string group, string postgres, string redis,
        IReadOnlyDictionary<string, string>? extra = null, string? dll = null)
    {
        var environment = new Dictionary<string, string>
        {
            [$"ConnectionStrings__{ConnectionNames.Kafka}"] = bootstrap,
            [$"ConnectionStrings__{ConnectionNames.Database}"] = postgres,
            [$"ConnectionStrings__{ConnectionNames.Redis}"] = redis,
            ["Consumer__Topic"] = topic,
            ["Consumer__GroupId"] = group,
            ["Consumer__DeadLetterTopic"] = topic + "-dead-letters",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ReelMetrics.LocalInfrastructure.FreePort.Next()}",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;
        dll ??= DllOf(Consumer);
        return ChildProcess.Start(name, "dotnet", [dll], environment, Path.Combine(LogDirectory, name + ".log"), Path.GetDirectoryName(dll)!);
    }

    private string FolderOf(string project) => Path.GetDirectoryName(DllOf(project))!;

    /// <summary>The real generator in burst mode (flat rate, or unpaced without <paramref name="rate"/>), exiting when <paramref name="count"/> sales were acknowledged.</summary>
    public ChildProcess StartGenerator(string name, string bootstrap, string topic, string postgres, long count, int seed, double? rate, string totalsFile)
    {
        List<string> arguments =
        [
            DllOf(Generator), "--burst", "--count", count.ToString(CultureInfo.InvariantCulture),
            "--seed", seed.ToString(CultureInfo.InvariantCulture), "--topic", topic,
            "--bootstrap-servers", bootstrap, "--connection-string", postgres, "--totals-file", totalsFile,
            "--exit-when-done", "true", "--urls", "http://127.0.0.1:0",
        ];
        if (rate is { } r) arguments.AddRange(["--rate", r.ToString(CultureInfo.InvariantCulture)]);
        return ChildProcess.Start(name, "dotnet", arguments, new Dictionary<string, string>
        {
            ["Generator__ReportInterval"] = "00:00:02",
        }, Path.Combine(LogDirectory, name + ".log"), FolderOf(Generator));
    }

    /// <summary>One of the two APIs, on <paramref name="port"/>, against the given stores.</summary>
    public ChildProcess StartApi(string name, string project, int port, string postgres, string redis, bool? useCache)
    {
        var environment = new Dictionary<string, string>
        {
            [$"ConnectionStrings__{ConnectionNames.Database}"] = postgres,
            [$"ConnectionStrings__{ConnectionNames.Redis}"] = redis,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            // The benchmarks measure reads without an identity service: anonymous reads (docs/security.md).
            // Token validation is therefore not in these figures.
            ["Api__AllowAnonymousReads"] = "true",
            // One client from one address (the freshness probe at 50 reads/s, wrk at tens of thousands): the abuse limits
            // meant for a dashboard user would answer most of it 429 and measure the limiter, not the reads. Until these
            // were set, the probe's reads were half 429s and its samples 80 ms apart instead of 20.
            ["Api__Protection__PerAnonymousAddress__PerSecond"] = "1000000",
            ["Api__Protection__PerAnonymousAddress__Burst"] = "1000000",
            ["Api__Protection__PerAddress__PerSecond"] = "1000000",
            ["Api__Protection__PerAddress__Burst"] = "1000000",
        };
        if (useCache is { } cache) environment["Api__UseCache"] = cache ? "true" : "false";
        return ChildProcess.Start(name, "dotnet", [DllOf(project)], environment, Path.Combine(LogDirectory, name + ".log"), FolderOf(project));
    }

    /// <summary>The naive consumer: this program again, as its own process.</summary>
    public ChildProcess StartNaiveConsumer(string name, string bootstrap, string topic, string group, string postgres, string redis, long maxEvents, double maxSeconds)
    {
        var self = Environment.ProcessPath ?? throw new BenchmarkFailure("cannot tell this program's path");
        List<string> arguments = [];
        var fileName = self;
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            fileName = "dotnet";
            arguments.Add(typeof(Products).Assembly.Location);
        }
        arguments.AddRange([
            "naive-consumer", "--bootstrap-servers", bootstrap, "--topic", topic, "--group", group, "--postgres", postgres, "--redis", redis,
            "--max-events", maxEvents.ToString(CultureInfo.InvariantCulture), "--max-seconds", maxSeconds.ToString(CultureInfo.InvariantCulture),
        ]);
        return ChildProcess.Start(name, fileName, arguments, new Dictionary<string, string>(), Path.Combine(LogDirectory, name + ".log"));
    }
}
