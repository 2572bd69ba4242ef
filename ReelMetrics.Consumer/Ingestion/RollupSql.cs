using System.Text;
using Npgsql;
using ReelMetrics.Contracts.Rollups;
using LiveMeasure = ReelMetrics.Contracts.Live.LiveKeys.Measure;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// The SQL of the rollups, generated from their declarations (<see cref="Rollups"/>). Every statement that returns
/// rollup rows returns them in one shape, read by <see cref="Read"/>: the rollup's number (its place in
/// <see cref="Rollups.All"/>, from 1), the business date of its Redis keys, its id keys, its text key, its minute
/// key (in minutes since the Unix epoch), then tickets, revenue and sales. Print <see cref="Describe"/> to read all of it.
/// </summary>
internal static class RollupSql
{
    /// <summary>
    /// Inserts the staged sales and adds them to every rollup, returning the rollups' new totals and the number of sales
    /// it inserted (<see cref="InsertedCountRow"/>). Each rollup is upserted in key order, so concurrent consumers lock
    /// rows in the same order. Fails on a sale stored before (<see cref="SaleColumns.InsertSql"/>).
    /// </summary>
    public static string InsertAndAggregate { get; } = InsertAndAggregateFrom(SaleColumns.InsertSql);

    /// <summary>As <see cref="InsertAndAggregate"/>, for the staged sales not stored before (a redelivery is skipped).</summary>
    public static string InsertNewAndAggregate { get; } = InsertAndAggregateFrom(SaleColumns.InsertNewSql);

    private static string InsertAndAggregateFrom(string insertSales) =>
        $"""
        with inserted as (
            {Indent(insertSales, 1)}),
        {string.Join(",\n", Rollups.All.Select(Upsert))}
        {InsertedCount}
        union all {Totals(rollup => (rollup.Name, null))}
        """;

    /// <summary>The number of the row that counts the sales a statement inserted (in its sales column), among its totals.</summary>
    public const int InsertedCountRow = 0;

    // Computed, not stored: the statements above are initialised first.
    private static string InsertedCount =>
        $"select {InsertedCountRow}, null::date, 0::bigint, 0::bigint, null::text, null::bigint, 0::bigint, 0::numeric, count(*)::bigint from inserted";

    /// <summary>Every rollup row PostgreSQL holds: what a rebuild of Redis writes.</summary>
    public static string Rebuild { get; } = Totals(rollup => (rollup.Table, null));

    /// <summary>
    /// The mirrored rows of the most recent business dates with sales ($1 of them): what reconciliation compares.
    /// Rollups without a business date (sales per UTC minute) are left to rebuilds.
    /// </summary>
    public static string Recent { get; } =
        $"""
        with days as (select distinct sale_date from {Rollups.TheaterDay.Table} order by sale_date desc limit $1)
        {Totals(rollup => LiveDate(rollup) is { } date ? (rollup.Table, $"{date} in (select sale_date from days)") : default, mirroredOnly: true)}
        """;

    /// <summary>Reads a row of <see cref="InsertAndAggregate"/> (and <see cref="InsertNewAndAggregate"/>), <see cref="Rebuild"/> or <see cref="Recent"/>.</summary>
    public static RollupRow Read(NpgsqlDataReader reader) => new(
        Rollups.All[reader.GetInt32(0) - 1],
        reader.IsDBNull(1) ? default : reader.GetFieldValue<DateOnly>(1),
        reader.IsDBNull(2) ? 0 : reader.GetInt64(2),
        reader.IsDBNull(3) ? 0 : reader.GetInt64(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetInt64(5),
        reader.GetInt64(6), reader.GetDecimal(7), reader.GetInt64(8));

    /// <summary>Every statement generated here, with a heading each: for a newcomer to read, and for a snapshot test.</summary>
    public static string Describe() => new StringBuilder()
        .AppendLine("-- The consumer's SQL, generated from the declarations in ReelMetrics.Contracts/Rollups/Rollups.cs and")
        .AppendLine("-- ReelMetrics.Consumer/Ingestion/SaleColumns.cs (RollupSql.Describe). Do not edit: RollupDeclarationTests keeps it")
        .AppendLine("-- current (REELMETRICS_UPDATE_ROLLUP_SQL=1 rewrites it). Rows of the totals: rollup number, business date of its")
        .AppendLine("-- Redis keys, id keys, text key, minute key (minutes since 1970), tickets, revenue, sales.")
        .AppendLine()
        .AppendLine("-- staging table (once per session)").AppendLine(SaleColumns.StagingTableSql).AppendLine()
        .AppendLine("-- copy").AppendLine(SaleColumns.CopySql).AppendLine()
        .AppendLine("-- insert the batch and aggregate it").AppendLine(InsertAndAggregate).AppendLine()
        .AppendLine("-- the same statement with this insert of the sales instead, skipping sales stored before (after the one above")
        .AppendLine("-- failed on one)").AppendLine(SaleColumns.InsertNewSql).AppendLine()
        .AppendLine("-- rebuild Redis").AppendLine(Rebuild).AppendLine()
        .AppendLine("-- reconcile Redis").AppendLine(Recent)
        .ToString();

    private static string Upsert(Rollup rollup)
    {
        var keys = string.Join(", ", rollup.Keys.Select(k => k.Column));
        var (fixedAttributes, latest) = (rollup.FixedAttributes, rollup.LatestAttributes);
        var measures = rollup.Measures.Select(Rollup.Column).ToList();
        var columns = string.Join(", ",
            [.. rollup.Keys.Select(k => k.Column), .. fixedAttributes.Select(a => a.Column), .. measures, .. latest.Select(a => a.Column)]);
        var values = string.Join(", ", [.. rollup.Keys.Select(k => k.FromSale), .. fixedAttributes.Select(a => a.FromSale),
            .. rollup.Measures.Select(Rollup.Aggregate), .. latest.Select(a => $"max({a.FromSale})")]);
        var groups = string.Join(", ", Enumerable.Range(1, rollup.Keys.Count + fixedAttributes.Count));
        var positions = string.Join(", ", rollup.Keys.Select((_, i) => i + 1));
        var updates = string.Join(", ", [.. measures.Select(m => $"{m} = a.{m} + excluded.{m}"),
            .. latest.Select(a => $"{a.Column} = greatest(a.{a.Column}, excluded.{a.Column})")]);
        return $"""
            {rollup.Name} as (
                insert into {rollup.Table} as a ({columns})
                select {values}
                from inserted{(rollup.Join is null ? "" : " " + rollup.Join)}{(rollup.Where is null ? "" : " where " + rollup.Where)}
                group by {groups} order by {positions}
                on conflict ({keys}) do update set {updates}
                returning a.*)
            """;
    }

    /// <summary>The rows of every rollup in the one shape of <see cref="Read"/>; <paramref name="source"/> says from where (and which), or skips one.</summary>
    private static string Totals(Func<Rollup, (string? From, string? Where)> source, bool mirroredOnly = false)
    {
        var selects = new List<string>();
        foreach (var (rollup, number) in Rollups.All.Select((r, i) => (r, i + 1)))
        {
            var (from, where) = source(rollup);
            if (from is null || (mirroredOnly && rollup.Live is null)) continue;
            var ids = rollup.KeysOf(KeyKind.Id).Select(k => $"r.{k.Column}").ToList();
            var columns = new[]
            {
                number.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"{LiveDate(rollup) ?? "null"}::date",
                $"{(ids.Count > 0 ? ids[0] : "0")}::bigint",
                $"{(ids.Count > 1 ? ids[1] : "0")}::bigint",
                $"{Column(rollup, KeyKind.Text)}::text",
                rollup.KeysOf(KeyKind.Minute).FirstOrDefault() is { } minute ? UnixMinute($"r.{minute.Column}") : "null::bigint",
                Measure(rollup, LiveMeasure.Tickets) + "::bigint",
                Measure(rollup, LiveMeasure.Revenue) + "::numeric",
                Measure(rollup, LiveMeasure.Sales) + "::bigint",
            };
            var join = rollup.Live?.DateJoin is { } dateJoin ? " " + dateJoin : "";
            selects.Add($"select {string.Join(", ", columns)} from {from} r{join}{(where is null ? "" : " where " + where)}");
        }
        return string.Join("\nunion all ", selects);
    }

    /// <summary>The business date of a rollup's Redis keys, as SQL over its row <c>r</c>.</summary>
    private static string? LiveDate(Rollup rollup) =>
        rollup.Live?.Date ?? (rollup.DateKey is { } date ? $"r.{date.Column}" : null);

    private static string Column(Rollup rollup, KeyKind kind) =>
        rollup.KeysOf(kind).FirstOrDefault() is { } key ? $"r.{key.Column}" : "null";

    private static string Measure(Rollup rollup, LiveMeasure measure) =>
        rollup.Measures.Contains(measure) ? $"r.{Rollup.Column(measure)}" : "0";

    /// <summary>Minutes since the Unix epoch of a minute (exact); ±infinity at the ends of bigint (<see cref="RollupRow.Minute"/>).</summary>
    private static string UnixMinute(string minute) =>
        $"case when {minute} = 'infinity' then 9223372036854775807 when {minute} = '-infinity' then -9223372036854775808 else (extract(epoch from {minute}) / 60)::bigint end";

    private static string Indent(string sql, int levels) => sql.ReplaceLineEndings("\n" + new string(' ', 4 * levels));
}
