using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using ReelMetrics.Contracts;

namespace ReelMetrics.Generator;

/// <summary>
/// The generator's command-line switches (System.CommandLine), turned into the configuration keys they stand for, so
/// options are bound in one way whichever way they are given. Anything else passes through to the host.
/// </summary>
public static class GeneratorCommandLine
{
    /// <summary>Each switch and the configuration key it sets; only switches given on the command line set theirs.</summary>
    private static readonly (Option Option, string Key)[] Switches =
    [
        (Number<double>("--rate", "sales per second (default 20, shaped by time of day; burst: unlimited)"), "Generator:Rate"),
        (Number<long>("--count", "stop after N acknowledged sales (default 0 = never)"), "Generator:Count"),
        (new Option<TimeSpan>("--duration") { Description = "stop after T: 90s, 15m, 2h, 1d or hh:mm:ss", HelpName = "T", CustomParser = ParseDuration },
            "Generator:Duration"),
        (Number<int>("--seed", "seed of the sales model (default random, logged)"), "Generator:Seed"),
        (new Option<bool>("--burst") { Description = "load test: flat rate, every showtime of the window, past and future" }, "Generator:Burst"),
        (Text("--topic", "NAME", $"topic to produce to (default {Topics.TicketSales})"), "Generator:Topic"),
        (Text("--totals-file", "PATH", "write the final totals as JSON to PATH"), "Generator:TotalsFile"),
        (Text("--bootstrap-servers", "HOSTS", $"Kafka bootstrap servers (ConnectionStrings:{ConnectionNames.Kafka})"), $"ConnectionStrings:{ConnectionNames.Kafka}"),
        (Text("--connection-string", "CS", $"PostgreSQL connection string (ConnectionStrings:{ConnectionNames.Database}), to load seats already sold"),
            $"ConnectionStrings:{ConnectionNames.Database}"),
        (new Option<bool>("--exit-when-done") { Description = "exit when the count or duration is reached (default true; the AppHost sets false)", HelpName = "BOOL" },
            "Generator:ExitWhenDone"),
    ];

    private static readonly RootCommand Command = CreateCommand();

    /// <summary>Unknown arguments (e.g. <c>--urls</c>) are the host's; <c>@file</c> is not read as a response file.</summary>
    private static readonly ParserConfiguration Parsing = new() { ResponseFileTokenReplacer = null };

    /// <summary>Parses the switches; <see cref="ParseResult.Action"/> is set for <c>--help</c> and for bad switches.</summary>
    public static ParseResult Parse(IReadOnlyList<string> args) => Command.Parse(args, Parsing);

    /// <summary>
    /// <c>--rate 50 --burst</c> becomes <c>--Generator:Rate=50 --Generator:Burst=true</c>, which the host's
    /// command-line configuration understands; the arguments that are not switches follow.
    /// </summary>
    public static string[] ToConfigurationArguments(ParseResult parsed) =>
    [
        .. Switches
            .Where(s => parsed.GetResult(s.Option) is { Implicit: false })
            .Select(s => $"--{s.Key}={Format(parsed.GetResult(s.Option)!.GetValueOrDefault<object>())}"),
        .. parsed.UnmatchedTokens,
    ];

    /// <inheritdoc cref="ToConfigurationArguments(ParseResult)"/>
    /// <exception cref="FormatException">A switch lacks its value, or its value is malformed.</exception>
    public static string[] ToConfigurationArguments(IReadOnlyList<string> args)
    {
        var parsed = Parse(args);
        return parsed.Errors.Count == 0
            ? ToConfigurationArguments(parsed)
            : throw new FormatException(string.Join(" ", parsed.Errors.Select(e => e.Message)));
    }

    /// <summary><c>90s</c>, <c>15m</c>, <c>2h</c>, <c>1d</c>, or a TimeSpan like <c>00:15:00</c>.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        var unit = text.Length > 1 ? text[^1] : '\0';
        if (unit is 's' or 'm' or 'h' or 'd'
            && double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount)
            && amount > 0)
        {
            return unit switch
            {
                's' => TimeSpan.FromSeconds(amount),
                'm' => TimeSpan.FromMinutes(amount),
                'h' => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
    }

    private static RootCommand CreateCommand()
    {
        var command = new RootCommand("""
            Sells movie tickets to Kafka. Arguments that are not these switches go to the host, e.g. --urls http://127.0.0.1:5199.
            Every option can also be set as configuration, e.g. Generator__Rate=50 or Generator:Rate in appsettings.json.
            """)
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var (option, _) in Switches) command.Options.Add(option);
        return command;
    }

    private static TimeSpan ParseDuration(ArgumentResult result)
    {
        var text = result.Tokens is [var token] ? token.Value : "";
        if (ParseDuration(text) is { } duration) return duration;
        result.AddError($"'{text}' is not a duration (e.g. 90s, 15m, 2h or 00:15:00).");
        return default;
    }

    private static Option<string> Text(string name, string helpName, string description) =>
        new(name) { Description = description, HelpName = helpName };

    /// <summary>A number kept as written, once it reads as a <typeparamref name="T"/> the way configuration binding reads it.</summary>
    private static Option<string> Number<T>(string name, string description) where T : INumberBase<T>
    {
        var option = new Option<string>(name) { Description = description, HelpName = "N" };
        var styles = typeof(T) == typeof(double) ? NumberStyles.Float : NumberStyles.Integer;
        option.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (!T.TryParse(text, styles, CultureInfo.InvariantCulture, out _)) result.AddError($"{name} needs a number, not '{text}'.");
        });
        return option;
    }

    private static string? Format(object? value) => value switch
    {
        bool flag => flag ? "true" : "false",
        TimeSpan span => span.ToString("c", CultureInfo.InvariantCulture),
        _ => value?.ToString(),
    };
}
