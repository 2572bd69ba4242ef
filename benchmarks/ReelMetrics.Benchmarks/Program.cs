using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ReelMetrics.Benchmarks;

// Benchmarks run on purpose, one command each (see docs/benchmarks.md):
//   dotnet run -c Release --project benchmarks/ReelMetrics.Benchmarks -- ingest
//   dotnet run -c Release --project benchmarks/ReelMetrics.Benchmarks -- api
//   dotnet run -c Release --project benchmarks/ReelMetrics.Benchmarks -- all
var parsed = BenchmarkCommandLine.Create(RunAsync, NaiveConsumer.RunAsync).Parse(args);
if (parsed.Errors.Count > 0)
{
    parsed.Invoke(); // the errors, then the usage
    return 2;
}

// The benchmark stops its children and servers on SIGINT/SIGTERM itself: no forced exit from the parser.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

async Task<int> RunAsync(BenchmarkArguments arguments)
{
    try
    {
        var command = arguments.Command;
        var root = Products.FindRepositoryRoot();
        var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        var output = Path.GetFullPath(arguments.Out ?? Path.Combine(root, "artifacts", "benchmarks", stamp));
        Directory.CreateDirectory(output);
        var products = new Products(root, Path.Combine(output, "logs"));
        var consumerEnvironment = (arguments.ConsumerEnvironment ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

        var machine = Machine.Describe();
        Console.WriteLine($"ReelMetrics benchmarks: {command}; results in {output}");
        Console.WriteLine(machine);
        if (!arguments.NoBuild)
        {
            await products.BuildAsync([Products.Consumer, Products.Generator, Products.ApiDapper, Products.ApiEf], Console.WriteLine);
        }

        var scratch = Path.Combine(Path.GetTempPath(), $"reelmetrics-bench-{Environment.ProcessId}");
        await using var infrastructure = await BenchInfrastructure.StartAsync(scratch, Console.WriteLine);
        // Ctrl+C or kill: stop the children and the servers instead of leaving them running.
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnInterrupt);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnInterrupt);
        void OnInterrupt(PosixSignalContext signal)
        {
            signal.Cancel = true;
            Console.Error.WriteLine($"{signal.Signal}: stopping the benchmark's processes and servers");
            ChildProcess.KillAll();
            try
            {
                // The main flow may be disposing them too, now that its children are gone.
                infrastructure.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(30));
            }
            catch (Exception e) when (e is AggregateException or ObjectDisposedException or InvalidOperationException)
            {
                Console.Error.WriteLine($"stopping the servers: {e.GetBaseException().Message}");
            }
            try
            {
                Directory.Delete(scratch, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            Environment.Exit(130);
        }
        using var context = new BenchContext(infrastructure, products, output, stamp.Replace("-", "_", StringComparison.Ordinal));

        var ingestOptions = new IngestOptions
        {
            Events = arguments.Events ?? (command == "api" ? 200_000 : 300_000),
            Seed = arguments.Seed,
            Naive = command != "api" && !arguments.NoNaive,
            NaiveSeconds = arguments.NaiveSeconds,
            Rates = command == "api" ? [] : arguments.Rates,
            RateSeconds = arguments.RateSeconds,
            MaxRateEvents = arguments.MaxRateEvents,
            ConsumerEnvironment = consumerEnvironment,
            Variants = [.. RepeatDrain(command != "api" && !arguments.NoRepeat), .. (arguments.Variants ?? "")
                .Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => v.Split(':', 2))
                .Select(v => (v[0], (IReadOnlyDictionary<string, string>)(v.Length < 2 ? [] : v[1]
                    .Split(',', StringSplitOptions.RemoveEmptyEntries)
                    .Select(kv => kv.Split('=', 2))
                    .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : ""))))],
        };
        var results = new BenchmarkResults { Command = command, Machine = machine, StartedAt = DateTimeOffset.UtcNow, Arguments = args };
        results.Ingest = await new IngestBenchmark(context, ingestOptions).RunAsync();
        if (command is "api" or "all")
        {
            var apiOptions = new ApiOptions
            {
                Seconds = arguments.ApiSeconds,
                Connections = arguments.Connections,
            };
            results.Api = await new ApiBenchmark(context, apiOptions).RunAsync(results.Ingest.OursDatabase, results.Ingest.OursRedis);
        }
        results.FinishedAt = DateTimeOffset.UtcNow;
        results.Failures = [.. context.Failures];

        await File.WriteAllTextAsync(Path.Combine(output, "results.json"), JsonSerializer.Serialize(results, BenchmarkResults.Json));
        var summary = Summary.Markdown(results);
        await File.WriteAllTextAsync(Path.Combine(output, "summary.md"), summary);
        Console.WriteLine();
        Console.WriteLine(summary);
        if (command is "ingest" or "all")
        {
            var plot = Path.GetFullPath(arguments.Plot ?? Path.Combine(root, "docs", "benchmarks", "ingest.png"));
            IngestPlot.Write(results.Ingest, plot);
            Console.WriteLine($"plot: {plot}");
        }

        if (arguments.Hold is { } hold)
        {
            // For a look inside afterwards (psql, EXPLAIN): the servers stay up this long, then stop.
            Console.WriteLine($"holding the servers for {hold} s: PostgreSQL {results.Ingest.OursDatabase}");
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(hold, 3600)));
        }

        if (context.Failures.Count > 0)
        {
            Console.Error.WriteLine("BENCHMARK FAILED:");
            foreach (var failure in context.Failures) Console.Error.WriteLine("  " + failure);
            return 1;
        }
        return 0;
    }
    catch (BenchmarkFailure e)
    {
        Console.Error.WriteLine($"BENCHMARK FAILED: {e.Message}");
        return 1;
    }
}

// The noise measurement: our consumer drains the same topic a second time, unchanged.
static IEnumerable<(string, IReadOnlyDictionary<string, string>)> RepeatDrain(bool wanted) =>
    wanted ? [(IngestOptions.RepeatVariant, new Dictionary<string, string>())] : [];
