using System.Globalization;

namespace ReelMetrics.Benchmarks;

/// <summary><c>--name value</c> and <c>--flag</c> arguments.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string> values = new(StringComparer.Ordinal);
    private readonly HashSet<string> flags = new(StringComparer.Ordinal);

    public Arguments(IEnumerable<string> args, IReadOnlySet<string> flagNames)
    {
        var list = args.ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var arg = list[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new BenchmarkFailure($"unexpected argument '{arg}'");
            if (arg.Contains('=', StringComparison.Ordinal))
            {
                var (name, value) = (arg[..arg.IndexOf('=', StringComparison.Ordinal)], arg[(arg.IndexOf('=', StringComparison.Ordinal) + 1)..]);
                values[name] = value;
            }
            else if (flagNames.Contains(arg))
            {
                flags.Add(arg);
            }
            else
            {
                values[arg] = i + 1 < list.Count ? list[++i] : throw new BenchmarkFailure($"{arg} needs a value");
            }
        }
    }

    public bool Flag(string name) => flags.Contains(name);

    public string? Get(string name) => values.GetValueOrDefault(name);

    public string Required(string name) => Get(name) ?? throw new BenchmarkFailure($"{name} is required");

    public long Long(string name, long fallback) =>
        Get(name) is { } text ? long.Parse(text.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) : fallback;

    public int Int(string name, int fallback) => (int)Long(name, fallback);

    public double Double(string name, double fallback) =>
        Get(name) is { } text ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;

    public IReadOnlyList<long> Longs(string name, IReadOnlyList<long> fallback) =>
        Get(name) is { } text
            ? [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(t => long.Parse(t.Replace("_", "", StringComparison.Ordinal), CultureInfo.InvariantCulture))]
            : fallback;
}
