using Npgsql;
using NpgsqlTypes;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>
/// A sale's columns, declared once: the staging table's DDL, the COPY column list, the binary writer and the
/// <c>insert into sales</c> list all come from <see cref="Staged"/> (and <see cref="Computed"/>).
/// </summary>
internal static class SaleColumns
{
    /// <summary>What the consumer copies into the staging table for each sale, in COPY order.</summary>
    public static IReadOnlyList<SaleColumn> Staged { get; } =
    [
        new SaleColumn<int>("seq", "integer not null", NpgsqlDbType.Integer, s => s.Sequence, StagingOnly: true),
        new SaleColumn<Guid>("event_id", "uuid not null", NpgsqlDbType.Uuid, s => s.EventId),
        new SaleColumn<DateTimeOffset>("sold_at", "timestamptz not null", NpgsqlDbType.TimestampTz, s => s.SoldAt),
        new SaleColumn<int>("theater_id", "integer not null", NpgsqlDbType.Integer, s => s.TheaterId),
        new SaleColumn<int>("movie_id", "integer not null", NpgsqlDbType.Integer, s => s.MovieId),
        new SaleColumn<long?>("showtime_id", "bigint", NpgsqlDbType.Bigint, s => s.ShowtimeId),
        new SaleColumn<DateOnly>("sale_date", "date not null", NpgsqlDbType.Date, s => s.SaleDate),
        new SaleColumn<int>("tickets_sold", "integer not null", NpgsqlDbType.Integer, s => s.TicketsSold),
        new SaleColumn<decimal>("ticket_price", "numeric(8, 2) not null", NpgsqlDbType.Numeric, s => s.TicketPrice),
        new SaleColumn<string>("currency", "char(3) not null", NpgsqlDbType.Char, s => s.Currency),
        new SaleColumn<string>("channel", "text not null", NpgsqlDbType.Text, s => s.Channel),
    ];

    /// <summary>Columns of <c>sales</c> computed from the staged ones when a sale is inserted.</summary>
    public static IReadOnlyList<(string Column, string Value)> Computed { get; } = [("revenue", "tickets_sold * ticket_price")];

    /// <summary>The columns of <c>sales</c> the consumer writes (everything but <c>ingested_at</c>).</summary>
    public static IReadOnlyList<string> Stored { get; } =
        [.. Staged.Where(c => !c.StagingOnly).Select(c => c.Name), .. Computed.Select(c => c.Column)];

    public static string StagingTableSql { get; } = $"""
        create temporary table if not exists incoming_sales (
            {string.Join(",\n    ", Staged.Select(c => $"{c.Name,-12} {c.SqlType}"))})
        """;

    public static string CopySql { get; } =
        $"copy incoming_sales ({string.Join(", ", Staged.Select(c => c.Name))}) from stdin (format binary)";

    /// <summary>
    /// Inserts the staged sales and returns what the rollups read from them. Fails (<see cref="StoredBeforeConstraint"/>)
    /// when one was stored before: a plain insert costs PostgreSQL a quarter less than one that skips what is there.
    /// </summary>
    public static string InsertSql { get; } = Insert(skipStored: false);

    /// <summary>Inserts the staged sales not stored before (by event id), and returns what the rollups read from them.</summary>
    public static string InsertNewSql { get; } = Insert(skipStored: true);

    /// <summary>The constraint a sale stored before breaks in <see cref="InsertSql"/>: the primary key, on the event id.</summary>
    public const string StoredBeforeConstraint = "sales_pkey";

    private static string Insert(bool skipStored) => $"""
        insert into sales ({string.Join(", ", Stored)})
            select {string.Join(", ", [.. Staged.Where(c => !c.StagingOnly).Select(c => c.Name), .. Computed.Select(c => c.Value)])}
            from incoming_sales{(skipStored ? "\n    on conflict (event_id) do nothing" : "")}
            returning {string.Join(", ", Stored)}
        """;

    /// <summary>Writes one sale as a row of the COPY.</summary>
    public static async Task WriteAsync(NpgsqlBinaryImporter importer, Sale sale, CancellationToken cancellationToken)
    {
        await importer.StartRowAsync(cancellationToken);
        foreach (var column in Staged) await column.WriteAsync(importer, sale, cancellationToken);
    }
}

/// <summary>A column of the staging table: name, SQL type (with its constraint) and how a sale fills it.</summary>
/// <param name="StagingOnly">Only in the staging table (not a column of <c>sales</c>).</param>
internal abstract record SaleColumn(string Name, string SqlType, bool StagingOnly)
{
    public abstract Task WriteAsync(NpgsqlBinaryImporter importer, Sale sale, CancellationToken cancellationToken);
}

internal sealed record SaleColumn<T>(string Name, string SqlType, NpgsqlDbType DbType, Func<Sale, T> Value, bool StagingOnly = false)
    : SaleColumn(Name, SqlType, StagingOnly)
{
    public override Task WriteAsync(NpgsqlBinaryImporter importer, Sale sale, CancellationToken cancellationToken) =>
        Value(sale) is { } value ? importer.WriteAsync(value, DbType, cancellationToken) : importer.WriteNullAsync(cancellationToken);
}
