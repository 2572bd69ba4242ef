using NpgsqlTypes;
using ReelMetrics.Contracts.Rollups;
using LiveMeasure = ReelMetrics.Contracts.Live.LiveKeys.Measure;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// Adds a batch's sales up in memory, rollup by rollup, so that PostgreSQL upserts one row per group instead of
/// grouping the batch itself. A rollup can be folded here when every key's SQL (<see cref="RollupKey.FromSale"/>) has
/// its C# value for a sale below and it needs nothing but the sale (no join, filter or attribute); the others are
/// grouped by PostgreSQL as before (<see cref="RollupSql"/>). <c>RollupFoldingTests</c> checks that both ways give
/// the same rows.
/// </summary>
internal static class RollupFolding
{
    private static readonly Dictionary<string, Func<Sale, DateOnly>> Dates = new() { ["sale_date"] = s => s.SaleDate };

    private static readonly Dictionary<string, Func<Sale, long>> Ids = new() { ["theater_id"] = s => s.TheaterId, ["movie_id"] = s => s.MovieId };

    private static readonly Dictionary<string, Func<Sale, string>> Texts = new() { ["channel"] = s => s.Channel };

    private static readonly Dictionary<string, Func<Sale, long>> Minutes = new() { [Rollups.SoldMinute] = s => MinuteOf(s.SoldAt) };

    /// <summary>Whether <paramref name="rollup"/> is added up in memory.</summary>
    public static bool CanFold(Rollup rollup) =>
        rollup.Join is null && rollup.Where is null && rollup.Attributes is null && rollup.Keys.All(Known);

    /// <summary>The rollups added up in memory, in the order of <see cref="Rollups.All"/>.</summary>
    public static IReadOnlyList<Rollup> Folded { get; } = [.. Rollups.All.Where(CanFold)];

    /// <summary>The PostgreSQL array type of a key's values as <see cref="Parameters"/> sends them.</summary>
    public static string ArrayType(RollupKey key) => key.Kind switch
    {
        KeyKind.Date => "date[]",
        KeyKind.Id => "bigint[]",
        KeyKind.Text => "text[]",
        _ => "bigint[]",   // minutes since 1970 (MinuteOf), made timestamps again by the statement (RollupSql)
    };

    /// <summary>The PostgreSQL array type of a measure's values as <see cref="Parameters"/> sends them.</summary>
    public static string ArrayType(LiveMeasure measure) => measure == LiveMeasure.Revenue ? "numeric[]" : "bigint[]";

    /// <summary>
    /// The <see cref="Folded"/> rollups of <paramref name="sales"/>: for each, one array per key and then per measure,
    /// in declaration order, one element per group.
    /// </summary>
    public static List<object> Parameters(IEnumerable<Sale> sales)
    {
        var groups = Folded.Select(_ => new Dictionary<GroupKey, Sums>()).ToArray();
        var keyOf = Folded.Select(KeyFunction).ToArray();
        foreach (var sale in sales)
        {
            var revenue = sale.TicketsSold * sale.TicketPrice;
            for (var i = 0; i < groups.Length; i++)
            {
                ref var sums = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(groups[i], keyOf[i](sale), out _);
                sums = new Sums(sums.Tickets + sale.TicketsSold, sums.Revenue + revenue, sums.Sales + 1);
            }
        }

        var parameters = new List<object>();
        for (var i = 0; i < groups.Length; i++)
        {
            var rollup = Folded[i];
            var rows = groups[i];
            var ids = 0;
            foreach (var key in rollup.Keys)
            {
                parameters.Add(key.Kind switch
                {
                    KeyKind.Date => rows.Keys.Select(k => k.Date).ToArray(),
                    KeyKind.Id => ids++ == 0 ? rows.Keys.Select(k => k.Id1).ToArray() : rows.Keys.Select(k => k.Id2).ToArray(),
                    KeyKind.Text => rows.Keys.Select(k => k.Text!).ToArray(),
                    _ => (object)rows.Keys.Select(k => k.Minute).ToArray(),
                });
            }
            foreach (var measure in rollup.Measures)
            {
                parameters.Add(measure switch
                {
                    LiveMeasure.Tickets => rows.Values.Select(s => s.Tickets).ToArray(),
                    LiveMeasure.Revenue => rows.Values.Select(s => s.Revenue).ToArray(),
                    _ => (object)rows.Values.Select(s => s.Sales).ToArray(),
                });
            }
        }
        return parameters;
    }

    /// <summary>
    /// <see cref="Rollups.SoldMinute"/>: the sale's minute (UTC) in minutes since 1970, as <see cref="RollupRow.Minute"/>
    /// has it. Npgsql writes the ends of time as -infinity and infinity, which PostgreSQL truncates to themselves: they get
    /// the ends of long. Not a DateTimeOffset: the first minute of year 1 is a real minute, but as a DateTimeOffset it
    /// would be MinValue, which Npgsql would write as -infinity.
    /// </summary>
    public static long MinuteOf(DateTimeOffset soldAt)
    {
        if (soldAt == DateTimeOffset.MinValue) return long.MinValue;
        if (soldAt == DateTimeOffset.MaxValue) return long.MaxValue;
        var minutes = Math.DivRem(soldAt.UtcTicks - DateTime.UnixEpoch.Ticks, TimeSpan.TicksPerMinute, out var rest);
        return rest < 0 ? minutes - 1 : minutes;
    }

    private static bool Known(RollupKey key) => key.Kind switch
    {
        KeyKind.Date => Dates.ContainsKey(key.FromSale),
        KeyKind.Id => Ids.ContainsKey(key.FromSale),
        KeyKind.Text => Texts.ContainsKey(key.FromSale),
        _ => Minutes.ContainsKey(key.FromSale),
    };

    /// <summary>A sale's group in a rollup: its keys in the slots of their kinds (ids in key order), as in <see cref="RollupRow"/>.</summary>
    private static Func<Sale, GroupKey> KeyFunction(Rollup rollup)
    {
        Func<Sale, GroupKey> keyOf = _ => default;
        var ids = 0;
        foreach (var key in rollup.Keys)
        {
            var previous = keyOf;
            keyOf = key.Kind switch
            {
                KeyKind.Date when Dates[key.FromSale] is var date => s => previous(s) with { Date = date(s) },
                KeyKind.Id when Ids[key.FromSale] is var id && ids++ == 0 => s => previous(s) with { Id1 = id(s) },
                KeyKind.Id when Ids[key.FromSale] is var id => s => previous(s) with { Id2 = id(s) },
                KeyKind.Text when Texts[key.FromSale] is var text => s => previous(s) with { Text = text(s) },
                _ when Minutes[key.FromSale] is var minute => s => previous(s) with { Minute = minute(s) },
                _ => throw new InvalidOperationException($"rollup {rollup.Name} cannot be folded in memory"),
            };
        }
        return keyOf;
    }

    private readonly record struct GroupKey(DateOnly Date, long Id1, long Id2, string? Text, long Minute);

    private readonly record struct Sums(long Tickets, decimal Revenue, long Sales);
}
