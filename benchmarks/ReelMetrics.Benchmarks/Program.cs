using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using ReelMetrics.Benchmarks;

// Benchmarks run on purpose, one command each (see docs/benchmarks.md):
//   dotnet run -c Release --project benchmarks/ReelMetrics.Benchmarks -- ingest
//   dotnet run -c Release --project benchmarks/ReelMetrics.Benchmarks -- api
//   dotnet run -c Release --project benchmarks/ReelMetrics.Benchmarks -- all
const string Usage = """
    usage: ReelMetrics.Benchmarks (ingest|api|all) [options]

      ingest   saturation (our consumer, then the naive baseline, on the same pre-filled topic) and fixed rates
      api      fills a database with our consumer, then wrk against both APIs, cache hot and cold
      all      ingest, then api on the database the saturation run filled

    options:
      --events N          sales on the saturation topic (default 300000)
      --seed N            generator seed (default 42)
      --rates A,B,C       fixed rates in sales/s (default 1000,10000,50000; "none" for none)
      --rate-seconds S    how long each fixed rate runs (default 20)
      --max-rate-events N at most this many sales per fixed-rate run (default 350000: keeps a lagging run short)
      --naive-seconds S   most time the naive consumer gets (default 180)
      --no-naive          skip the naive consumer
      --no-repeat         skip the repeat drain (our consumer again on the same topic: the noise next to every ratio)
      --api-seconds S     wrk duration per endpoint (default 10)
      --connections N     wrk connections (default 64)
      --consumer-env K=V[;K=V]  extra environment for our consumer, e.g. Consumer__MaxBatchSize=50000
      --variants "NAME:K=V,K=V|NAME:..."  after our consumer, drain the same topic again with each setting (own database);
                          K=V is environment for the consumer, or PRESET=with-sales-fks / aggregates-fillfactor-50
                          (schema experiments on the variant's own database)
      --out DIR           results folder (default artifacts/benchmarks/<timestamp>)
      --plot PATH         the ingest plot (default docs/benchmarks/ingest.png)
      --no-build          use the Release builds already there
      --hold S            keep the servers up S seconds after the run (to look inside with psql)
    """;

if (args.Length == 0 || args[0] is "-h" or "--help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

try
{
    var command = args[0];
    var arguments = new Arguments(args[1..], new HashSet<string> { "--no-naive", "--no-build", "--no-repeat" });
    if (command == "naive-consumer") return await NaiveConsumer.RunAsync(arguments);
    if (command is not ("ingest" or "api" or "all"))
    {
        Console.Error.WriteLine(Usage);
        return 2;
    }

    var root = Products.FindRepositoryRoot();
    var stamp = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
    var output = Path.GetFullPath(arguments.Get("--out") ?? Path.Combine(root, "artifacts", "benchmarks", stamp));
    Directory.CreateDirectory(output);
    var products = new Products(root, Path.Combine(output, "logs"));
    var rates = arguments.Get("--rates") == "none" ? [] : arguments.Longs("--rates", [1_000, 10_000, 50_000]);
    var consumerEnvironment = (arguments.Get("--consumer-env") ?? "")
        .Split(';', StringSplitOptions.RemoveEmptyEntries)
        .Select(kv => kv.Split('=', 2))
        .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");

    var machine = Machine.Describe();
    Console.WriteLine($"ReelMetrics benchmarks: {command}; results in {output}");
    Console.WriteLine(machine);
    if (!arguments.Flag("--no-build"))
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
        Events = arguments.Long("--events", command == "api" ? 200_000 : 300_000),
        Seed = arguments.Int("--seed", 42),
        Naive = command != "api" && !arguments.Flag("--no-naive"),
        NaiveSeconds = arguments.Double("--naive-seconds", 180),
        Rates = command == "api" ? [] : rates,
        RateSeconds = arguments.Double("--rate-seconds", 20),
        MaxRateEvents = arguments.Long("--max-rate-events", 350_000),
        ConsumerEnvironment = consumerEnvironment,
        Variants = [.. RepeatDrain(command != "api" && !arguments.Flag("--no-repeat")), .. (arguments.Get("--variants") ?? "")
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
            Seconds = arguments.Double("--api-seconds", 10),
            Connections = arguments.Int("--connections", 64),
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
        var plot = Path.GetFullPath(arguments.Get("--plot") ?? Path.Combine(root, "docs", "benchmarks", "ingest.png"));
        IngestPlot.Write(results.Ingest, plot);
        Console.WriteLine($"plot: {plot}");
    }

    if (arguments.Get("--hold") is { } hold)
    {
        // For a look inside afterwards (psql, EXPLAIN): the servers stay up this long, then stop.
        Console.WriteLine($"holding the servers for {hold} s: PostgreSQL {results.Ingest.OursDatabase}");
        await Task.Delay(TimeSpan.FromSeconds(Math.Min(double.Parse(hold, CultureInfo.InvariantCulture), 3600)));
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

// The noise measurement: our consumer drains the same topic a second time, unchanged.
static IEnumerable<(string, IReadOnlyDictionary<string, string>)> RepeatDrain(bool wanted) =>
    wanted ? [(IngestOptions.RepeatVariant, new Dictionary<string, string>())] : [];
