using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace ReelMetrics.Benchmarks;

/// <summary>What <c>ingest</c>, <c>api</c> and <c>all</c> were asked to do.</summary>
internal sealed record BenchmarkArguments(
    string Command, long? Events, int Seed, IReadOnlyList<long> Rates, double RateSeconds, long MaxRateEvents, double NaiveSeconds,
    bool NoNaive, bool NoRepeat, double ApiSeconds, int Connections, string? ConsumerEnvironment, string? Variants,
    string? Out, string? Plot, bool NoBuild, double? Hold);

/// <summary>What the <c>naive-consumer</c> process (started by the ingest benchmark) was asked to do.</summary>
internal sealed record NaiveConsumerArguments(
    string BootstrapServers, string Topic, string Group, string Postgres, string Redis, long MaxEvents, double MaxSeconds);

/// <summary>The benchmarks' commands and options (System.CommandLine); <c>--help</c> lists them.</summary>
internal static class BenchmarkCommandLine
{
    private static readonly Option<long?> Events = new("--events")
    {
        Description = "sales on the saturation topic (default 300000; api: 200000)",
        HelpName = "N",
        CustomParser = result => Number<long>(result),
    };
    private static readonly Option<int> Seed = Number("--seed", "generator seed", 42);
    private static readonly Option<IReadOnlyList<long>> Rates = new("--rates")
    {
        Description = "fixed rates in sales/s (\"none\" for none)",
        HelpName = "A,B,C",
        DefaultValueFactory = _ => [1_000, 10_000, 50_000],
        CustomParser = result => result.Tokens is [{ Value: "none" }]
            ? []
            : [.. result.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(rate => Number<long>(result, rate) ?? 0)],
    };
    private static readonly Option<double> RateSeconds = Number("--rate-seconds", "how long each fixed rate runs", 20.0, "S");
    private static readonly Option<long> MaxRateEvents =
        Number("--max-rate-events", "at most this many sales per fixed-rate run (keeps a lagging run short)", 350_000L);
    private static readonly Option<double> NaiveSeconds = Number("--naive-seconds", "most time the naive consumer gets", 180.0, "S");
    private static readonly Option<bool> NoNaive = new("--no-naive") { Description = "skip the naive consumer" };
    private static readonly Option<bool> NoRepeat =
        new("--no-repeat") { Description = "skip the repeat drain (our consumer again on the same topic: the noise next to every ratio)" };
    private static readonly Option<double> ApiSeconds = Number("--api-seconds", "wrk duration per endpoint", 10.0, "S");
    private static readonly Option<int> Connections = Number("--connections", "wrk connections", 64);
    private static readonly Option<string> ConsumerEnvironment =
        Text("--consumer-env", "K=V[;K=V]", "extra environment for our consumer, e.g. Consumer__MaxBatchSize=50000");
    private static readonly Option<string> Variants = Text("--variants", "NAME:K=V,K=V|NAME:...",
        "after our consumer, drain the same topic again with each setting (own database); K=V is environment for the consumer, "
        + "or PRESET=with-sales-fks / aggregates-fillfactor-50 / capacity-trigger / sales-date-index / theater-sold-at-index (schema experiments on the variant's own database), "
        + "CONSUMERS=N (N consumer processes in one group), COMMIT=rev (the consumer as built from that commit: a code change side by side), "
        + "READYTORUN=1 (this consumer published with ReadyToRun)");
    private static readonly Option<string> Out = Text("--out", "DIR", "results folder (default artifacts/benchmarks/<timestamp>)");
    private static readonly Option<string> Plot = Text("--plot", "PATH", "the ingest plot (default docs/benchmarks/ingest.png)");
    private static readonly Option<bool> NoBuild = new("--no-build") { Description = "use the Release builds already there" };
    private static readonly Option<double?> Hold = new("--hold")
    {
        Description = "keep the servers up S seconds after the run (to look inside with psql)",
        HelpName = "S",
        CustomParser = result => Number<double>(result),
    };

    public static RootCommand Create(Func<BenchmarkArguments, Task<int>> run, Func<NaiveConsumerArguments, Task<int>> naiveConsumer) => new(
        "ReelMetrics benchmarks, one command each (see docs/benchmarks.md), e.g. "
        + "dotnet run -c Release --project benchmarks/ReelMetrics.Benchmarks -- ingest")
    {
        Benchmark("ingest", "saturation (our consumer, then the naive baseline, on the same pre-filled topic) and fixed rates", run),
        Benchmark("api", "fills a database with our consumer, then wrk against both APIs, cache hot and cold", run),
        Benchmark("all", "ingest, then api on the database the saturation run filled", run),
        NaiveConsumerCommand(naiveConsumer),
    };

    private static Command Benchmark(string name, string description, Func<BenchmarkArguments, Task<int>> run)
    {
        var command = new Command(name, description)
        {
            Events, Seed, Rates, RateSeconds, MaxRateEvents, NaiveSeconds, NoNaive, NoRepeat, ApiSeconds, Connections,
            ConsumerEnvironment, Variants, Out, Plot, NoBuild, Hold,
        };
        command.SetAction((parsed, _) => run(new BenchmarkArguments(
            name, parsed.GetValue(Events), parsed.GetValue(Seed), parsed.GetRequiredValue(Rates), parsed.GetValue(RateSeconds),
            parsed.GetValue(MaxRateEvents), parsed.GetValue(NaiveSeconds), parsed.GetValue(NoNaive), parsed.GetValue(NoRepeat),
            parsed.GetValue(ApiSeconds), parsed.GetValue(Connections), parsed.GetValue(ConsumerEnvironment), parsed.GetValue(Variants),
            parsed.GetValue(Out), parsed.GetValue(Plot), parsed.GetValue(NoBuild), parsed.GetValue(Hold))));
        return command;
    }

    /// <summary>The baseline consumer's own process; the ingest benchmark starts it (see <see cref="Products"/>).</summary>
    private static Command NaiveConsumerCommand(Func<NaiveConsumerArguments, Task<int>> naiveConsumer)
    {
        Option<string> Required(string name) => new(name) { Required = true };
        var (bootstrap, topic, group, postgres, redis) =
            (Required("--bootstrap-servers"), Required("--topic"), Required("--group"), Required("--postgres"), Required("--redis"));
        var maxEvents = Number("--max-events", "stop after this many sales", long.MaxValue);
        var maxSeconds = Number("--max-seconds", "stop after this long", 600.0, "S");
        var command = new Command("naive-consumer", "the naive baseline consumer")
        {
            Hidden = true,
            Options = { bootstrap, topic, group, postgres, redis, maxEvents, maxSeconds },
        };
        command.SetAction((parsed, _) => naiveConsumer(new NaiveConsumerArguments(
            parsed.GetRequiredValue(bootstrap), parsed.GetRequiredValue(topic), parsed.GetRequiredValue(group),
            parsed.GetRequiredValue(postgres), parsed.GetRequiredValue(redis), parsed.GetValue(maxEvents), parsed.GetValue(maxSeconds))));
        return command;
    }

    private static Option<string> Text(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };

    private static Option<T> Number<T>(string name, string description, T fallback, string helpName = "N") where T : struct, INumber<T> => new(name)
    {
        Description = description,
        HelpName = helpName,
        DefaultValueFactory = _ => fallback,
        CustomParser = result => Number<T>(result) ?? fallback,
    };

    /// <summary>The option's value as a number, <c>_</c> allowed between digits (1_000_000); null, with an error, when it is not one.</summary>
    private static T? Number<T>(ArgumentResult result, string? text = null) where T : struct, INumber<T>
    {
        text ??= result.Tokens is [var token] ? token.Value : "";
        var styles = typeof(T) == typeof(double) ? NumberStyles.Float : NumberStyles.Integer;
        if (T.TryParse(text.Replace("_", "", StringComparison.Ordinal), styles, CultureInfo.InvariantCulture, out var number)) return number;
        result.AddError($"{(result.Parent as OptionResult)?.Option.Name} needs a number, not '{text}'");
        return null;
    }
}
