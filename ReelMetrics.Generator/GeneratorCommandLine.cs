using System.Globalization;
using ReelMetrics.Contracts;

namespace ReelMetrics.Generator;

/// <summary>
/// The generator's command-line switches, turned into the configuration keys they stand for, so
/// options are bound in one way whichever way they are given. Anything else passes through to the host.
/// </summary>
public static class GeneratorCommandLine
{
    public const string Usage = """
        usage: ReelMetrics.Generator [switches] [host arguments, e.g. --urls http://127.0.0.1:5199]

          --rate N                   sales per second (default 20, shaped by time of day; burst: unlimited)
          --count N                  stop after N acknowledged sales (default 0 = never)
          --duration T               stop after T: 90s, 15m, 2h or hh:mm:ss
          --seed N                   seed of the sales model (default random, logged)
          --burst                    load test: flat rate, every showtime of the window, past and future
          --topic NAME               topic to produce to (default ticket-sales)
          --totals-file PATH         write the final totals as JSON to PATH
          --bootstrap-servers HOSTS  Kafka bootstrap servers (ConnectionStrings:kafka)
          --connection-string CS     PostgreSQL connection string (ConnectionStrings:reelmetrics), to load seats already sold
          --exit-when-done BOOL      exit when the count or duration is reached (default true; the AppHost sets false)

        Every option can also be set as configuration, e.g. Generator__Rate=50 or Generator:Rate in appsettings.json.
        """;

    private static readonly Dictionary<string, string> Keys = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--rate"] = "Generator:Rate",
        ["--count"] = "Generator:Count",
        ["--duration"] = "Generator:Duration",
        ["--seed"] = "Generator:Seed",
        ["--topic"] = "Generator:Topic",
        ["--totals-file"] = "Generator:TotalsFile",
        ["--exit-when-done"] = "Generator:ExitWhenDone",
        ["--bootstrap-servers"] = $"ConnectionStrings:{ConnectionNames.Kafka}",
        ["--connection-string"] = $"ConnectionStrings:{ConnectionNames.Database}",
    };

    /// <summary>Flags: switches that take no value.</summary>
    private static readonly Dictionary<string, string> Flags = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--burst"] = "Generator:Burst",
    };

    public static bool WantsHelp(IEnumerable<string> args) =>
        args.Any(a => a is "--help" or "-h" or "-?");

    /// <summary>
    /// <c>--rate 50 --burst</c> becomes <c>--Generator:Rate=50 --Generator:Burst=true</c>, which the host's
    /// command-line configuration understands.
    /// </summary>
    /// <exception cref="FormatException">A switch lacks its value, or a duration is malformed.</exception>
    public static string[] ToConfigurationArguments(IReadOnlyList<string> args)
    {
        var result = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var (name, inlineValue) = Split(args[i]);
            if (Flags.TryGetValue(name, out var flagKey))
            {
                result.Add($"--{flagKey}={inlineValue ?? "true"}");
            }
            else if (Keys.TryGetValue(name, out var key))
            {
                var value = inlineValue ?? (i + 1 < args.Count ? args[++i] : throw new FormatException($"{name} needs a value."));
                if (key.EndsWith(":Duration", StringComparison.Ordinal)) value = ParseDuration(value).ToString("c", CultureInfo.InvariantCulture);
                result.Add($"--{key}={value}");
            }
            else
            {
                result.Add(args[i]);
            }
        }
        return [.. result];
    }

    /// <summary><c>90s</c>, <c>15m</c>, <c>2h</c>, <c>1d</c>, or a TimeSpan like <c>00:15:00</c>.</summary>
    public static TimeSpan ParseDuration(string text)
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
        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span)
            ? span
            : throw new FormatException($"'{text}' is not a duration (e.g. 90s, 15m, 2h or 00:15:00).");
    }

    private static (string Name, string? Value) Split(string arg)
    {
        var equals = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && equals > 0 ? (arg[..equals], arg[(equals + 1)..]) : (arg, null);
    }
}
