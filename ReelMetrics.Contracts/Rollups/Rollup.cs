using static ReelMetrics.Contracts.Live.LiveKeys;

namespace ReelMetrics.Contracts.Rollups;

/// <summary>
/// An aggregate the consumer keeps over the sales, declared once (<see cref="Rollups"/>): its table, the keys it
/// groups by (each with its value for a sale), the measures it sums and how it is mirrored in Redis. The consumer's
/// upsert, the totals it hands to Redis, the rebuild and the reconciliation of Redis are generated from it
/// (ReelMetrics.Consumer, <c>RollupSql</c>); the table itself comes from a migration.
/// </summary>
/// <param name="Name">Short name, also the name of its step in the generated SQL.</param>
/// <param name="Table">The table that holds it (primary key: the keys, in order).</param>
/// <param name="Keys">What it groups by, in primary-key order.</param>
/// <param name="Measures">What it sums: <see cref="Measure.Tickets"/> is <c>tickets_sold</c>, <see cref="Measure.Revenue"/> <c>revenue</c>, <see cref="Measure.Sales"/> <c>sales_count</c>.</param>
/// <param name="Live">How it is mirrored in Redis; null when the APIs read it from PostgreSQL only.</param>
/// <param name="Join">More tables a key's value needs (SQL after <c>from inserted</c>), e.g. <c>join theaters using (theater_id)</c>.</param>
/// <param name="Where">Which sales count (SQL over a sale), e.g. only sales with a showtime.</param>
/// <param name="Attributes">
/// Columns beside the measures (<see cref="RollupAttribute"/>): what the keys determine, e.g. a showtime's capacity, which
/// the table's check constraint compares the tickets sold with; or the latest of a value over the row's sales, e.g. when
/// the last sale was.
/// </param>
public sealed record Rollup(
    string Name, string Table, IReadOnlyList<RollupKey> Keys, IReadOnlyList<Measure> Measures,
    LiveMirror? Live = null, string? Join = null, string? Where = null, IReadOnlyList<RollupAttribute>? Attributes = null)
{
    /// <summary><see cref="Attributes"/>, or none.</summary>
    public IReadOnlyList<RollupAttribute> AttributesOrNone => Attributes ?? [];

    /// <summary>The attributes the keys determine (grouped by, written once).</summary>
    public IReadOnlyList<RollupAttribute> FixedAttributes => [.. AttributesOrNone.Where(a => !a.Latest)];

    /// <summary>The attributes that keep the latest value over the row's sales.</summary>
    public IReadOnlyList<RollupAttribute> LatestAttributes => [.. AttributesOrNone.Where(a => a.Latest)];

    /// <summary>The columns the consumer changes in an existing row: the measures and the latest attributes.</summary>
    public IEnumerable<string> UpdatedColumns => [.. Measures.Select(Column), .. LatestAttributes.Select(a => a.Column)];

    /// <summary>The business date of the rollup's rows, when it has one (its first <see cref="KeyKind.Date"/> key).</summary>
    public RollupKey? DateKey => Keys.FirstOrDefault(k => k.Kind == KeyKind.Date);

    /// <summary>The rollup's keys of one kind, in order.</summary>
    public IEnumerable<RollupKey> KeysOf(KeyKind kind) => Keys.Where(k => k.Kind == kind);

    /// <summary>The column of a measure in every rollup table.</summary>
    public static string Column(Measure measure) => measure switch
    {
        Measure.Tickets => "tickets_sold",
        Measure.Revenue => "revenue",
        _ => "sales_count",
    };

    /// <summary>A measure's value over a group of sales.</summary>
    public static string Aggregate(Measure measure) => measure switch
    {
        Measure.Tickets => "sum(tickets_sold)",
        Measure.Revenue => "sum(revenue)",
        _ => "count(*)",
    };
}

/// <summary>What a key holds; it fixes where the key travels in a <see cref="RollupRow"/>.</summary>
public enum KeyKind
{
    /// <summary>A date (the business date): <see cref="RollupRow.Date"/>.</summary>
    Date,

    /// <summary>A whole number (an id, an hour): <see cref="RollupRow.Id1"/>, then <see cref="RollupRow.Id2"/>.</summary>
    Id,

    /// <summary>A text (a channel): <see cref="RollupRow.Text"/>.</summary>
    Text,

    /// <summary>The start of a minute (timestamptz): <see cref="RollupRow.Minute"/>, in minutes since the Unix epoch.</summary>
    Minute,
}

/// <summary>A column of a rollup beside its measures: its column and its value (SQL over a sale and the rollup's join).</summary>
/// <param name="Latest">
/// False: the keys determine the value, written when the row is first inserted. True: the row keeps the greatest value
/// of its sales (<c>max</c> over a batch, <c>greatest</c> with what the row held), e.g. the time of the last sale.
/// </param>
public sealed record RollupAttribute(string Column, string FromSale, bool Latest = false);

/// <summary>A key of a rollup: its column, its kind, and its value for a sale (SQL over the columns of <c>sales</c>).</summary>
public sealed record RollupKey(string Column, KeyKind Kind, string FromSale)
{
    public static RollupKey Date(string column) => new(column, KeyKind.Date, column);

    public static RollupKey Id(string column, string? fromSale = null) => new(column, KeyKind.Id, fromSale ?? column);

    public static RollupKey Text(string column) => new(column, KeyKind.Text, column);

    public static RollupKey Minute(string column, string fromSale) => new(column, KeyKind.Minute, fromSale);
}

/// <summary>
/// How a rollup's rows show in Redis: per row and mirrored measure, one member of one sorted set whose score is the
/// row's absolute total (<see cref="Live.LiveKeys"/>).
/// </summary>
/// <param name="Measures">The measures mirrored.</param>
/// <param name="Key">The sorted set of a row's measure.</param>
/// <param name="Member">The row's member in it.</param>
/// <param name="Date">
/// SQL over the rollup's row (alias <c>r</c>) and <paramref name="DateJoin"/> giving the business date of its Redis
/// keys when the rollup has no date key (a showtime's date is in <c>showtimes</c>); null: its
/// <see cref="Rollup.DateKey"/>. Reconciliation compares the recent business dates by it; a rollup with neither is
/// rebuilt, not reconciled.
/// </param>
/// <param name="DateJoin">What <paramref name="Date"/> reads besides the row, e.g. <c>join showtimes st using (showtime_id)</c>.</param>
public sealed record LiveMirror(
    IReadOnlyList<Measure> Measures, Func<RollupRow, Measure, string> Key, Func<RollupRow, string> Member,
    string? Date = null, string? DateJoin = null);

/// <summary>
/// One row of a rollup as the consumer hands it to Redis: its keys by kind (ids in key order), the business date of
/// its Redis keys and its absolute totals (0 for a measure the rollup does not keep).
/// </summary>
/// <param name="Minute">
/// A minute key in minutes since the Unix epoch, computed by PostgreSQL: sold_at ±infinity (what Npgsql stores for
/// DateTimeOffset.Min/MaxValue) gets the ends of long, so it never shares a member with a real minute (read as a
/// DateTimeOffset, -infinity and 0001-01-01 00:00 would both be MinValue).
/// </param>
public readonly record struct RollupRow(
    Rollup Rollup, DateOnly Date, long Id1, long Id2, string? Text, long? Minute,
    long TicketsSold, decimal Revenue, long SalesCount)
{
    private static readonly long FirstMinute = (DateTime.MinValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMinute;
    private static readonly long LastMinute = (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMinute;

    /// <summary>The start of <see cref="Minute"/> (UTC); ±infinity at the first and last minute a DateTime holds.</summary>
    public DateTime MinuteStart => DateTime.UnixEpoch.AddTicks(Math.Clamp(Minute ?? 0, FirstMinute, LastMinute) * TimeSpan.TicksPerMinute);

    /// <summary>The value of a measure as a sorted-set score.</summary>
    public double Score(Measure measure) => measure switch
    {
        Measure.Tickets => TicketsSold,
        Measure.Revenue => (double)Revenue,
        _ => SalesCount,
    };

    /// <summary>The sorted-set entries (key, member, score) that show this row in Redis; none if it is not mirrored.</summary>
    public IEnumerable<(string Key, string Member, double Score)> LiveEntries()
    {
        if (Rollup.Live is not { } live) yield break;
        var member = live.Member(this);
        foreach (var measure in live.Measures) yield return (live.Key(this, measure), member, Score(measure));
    }
}
