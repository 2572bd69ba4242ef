using Npgsql;
using NpgsqlTypes;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>A total as it stands after a batch: the absolute value the live cache should show.</summary>
internal enum AggregateKind { TheaterDay = 1, MovieDay = 2, TheaterMovieDay = 3, ChannelDay = 4, ChainMinute = 5, Showtime = 6, DateMinute = 7 }

internal readonly record struct AggregateTotal(
    AggregateKind Kind, DateOnly Date, long Key1, long Key2, string? Channel, DateTimeOffset? Minute,
    long TicketsSold, decimal Revenue, long SalesCount)
{
    /// <summary>Reads a row of the totals queries: kind, date, key1, key2, channel, minute, tickets, revenue, sales.</summary>
    public static AggregateTotal Read(NpgsqlDataReader reader) => new(
        (AggregateKind)reader.GetInt32(0),
        reader.IsDBNull(1) ? default : reader.GetFieldValue<DateOnly>(1),
        reader.IsDBNull(2) ? 0 : reader.GetInt64(2),
        reader.IsDBNull(3) ? 0 : reader.GetInt64(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetInt64(6), reader.GetDecimal(7), reader.GetInt64(8));
}

/// <summary>What one batch did to PostgreSQL. Dead letters already stored (a redelivery) are not in <see cref="DeadLettersStored"/>.</summary>
internal sealed record StoredBatch(
    int Inserted, int Duplicates, IReadOnlyList<int> OverbookedSequences, IReadOnlyList<AggregateTotal> Totals, IReadOnlySet<Guid> DeadLettersStored);

/// <summary>
/// Writes a batch of sales and the aggregates over them in one transaction: COPY into a staging
/// table, drop what was already stored (redelivery), dead-letter what would overbook a showtime
/// (decided sale by sale in message order, against the seats left, with the showtimes' rows locked),
/// then one statement inserts the sales and upserts every aggregate from exactly the rows it
/// inserted, returning the new totals. Dead letters go into the same transaction.
/// </summary>
internal sealed class SalesStore(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    // One connection for the life of the writer: the staging table is a temporary table of its session.
    private NpgsqlConnection? connection;

    /// <param name="sales">Valid sales, distinct by event id.</param>
    /// <param name="deadLetters">Messages already found unusable.</param>
    /// <param name="overbooked">Makes the dead letter of a sale that turns out to overbook its showtime.</param>
    /// <param name="seats">The capacity of a showtime (every sale's showtime is in the catalog).</param>
    /// <param name="cancellationToken">Cancels the batch; nothing is committed then.</param>
    /// <param name="beforeCommit">
    /// More work for the same transaction, done last, before the commit (a replay records what became of its dead
    /// letters there, so a letter is marked replayed exactly when its sale is stored).
    /// </param>
    public async Task<StoredBatch> StoreAsync(
        IReadOnlyList<Sale> sales, IReadOnlyList<DeadLetter> deadLetters, Func<Sale, DeadLetter> overbooked, Func<long, int> seats,
        CancellationToken cancellationToken, Func<NpgsqlConnection, CancellationToken, Task>? beforeCommit = null)
    {
        var connection = await ConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var (inserted, duplicates, overbookedSequences, totals) = sales.Count == 0
                ? (0, 0, [], [])
                : await StoreSalesAsync(connection, sales, seats, cancellationToken);

            var overbookedSet = overbookedSequences.ToHashSet();
            var allDeadLetters = deadLetters.Concat(sales.Where(s => overbookedSet.Contains(s.Sequence)).Select(overbooked)).ToList();
            var storedLetters = await StoreDeadLettersAsync(connection, allDeadLetters, cancellationToken);
            if (beforeCommit is not null) await beforeCommit(connection, cancellationToken);

            await transaction.CommitAsync(cancellationToken);
            return new StoredBatch(inserted, duplicates, overbookedSequences, totals, storedLetters);
        }
        catch
        {
            // A broken session (server restart, network) must not be reused; a new one gets a new staging table.
            await DropConnectionAsync();
            throw;
        }
    }

    private static async Task<(int Inserted, int Duplicates, List<int> Overbooked, List<AggregateTotal> Totals)> StoreSalesAsync(
        NpgsqlConnection connection, IReadOnlyList<Sale> sales, Func<long, int> seats, CancellationToken cancellationToken)
    {
        await using (var truncate = new NpgsqlCommand("truncate incoming_sales", connection))
        {
            await truncate.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var importer = await connection.BeginBinaryImportAsync(
            "copy incoming_sales (seq, event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, currency, channel) from stdin (format binary)",
            cancellationToken))
        {
            foreach (var sale in sales)
            {
                await importer.StartRowAsync(cancellationToken);
                await importer.WriteAsync(sale.Sequence, NpgsqlDbType.Integer, cancellationToken);
                await importer.WriteAsync(sale.EventId, NpgsqlDbType.Uuid, cancellationToken);
                await importer.WriteAsync(sale.SoldAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await importer.WriteAsync(sale.TheaterId, NpgsqlDbType.Integer, cancellationToken);
                await importer.WriteAsync(sale.MovieId, NpgsqlDbType.Integer, cancellationToken);
                if (sale.ShowtimeId is { } showtimeId) await importer.WriteAsync(showtimeId, NpgsqlDbType.Bigint, cancellationToken);
                else await importer.WriteNullAsync(cancellationToken);
                await importer.WriteAsync(sale.SaleDate, NpgsqlDbType.Date, cancellationToken);
                await importer.WriteAsync(sale.TicketsSold, NpgsqlDbType.Integer, cancellationToken);
                await importer.WriteAsync(sale.TicketPrice, NpgsqlDbType.Numeric, cancellationToken);
                await importer.WriteAsync(sale.Currency, NpgsqlDbType.Char, cancellationToken);
                await importer.WriteAsync(sale.Channel, NpgsqlDbType.Text, cancellationToken);
            }
            await importer.CompleteAsync(cancellationToken);
        }

        var duplicates = new HashSet<int>();
        var sold = new Dictionary<long, int>();
        await using (var batch = new NpgsqlBatch(connection) { BatchCommands = { new(RemoveDuplicatesSql), new(LockShowtimesSql) } })
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) duplicates.Add(reader.GetInt32(0));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) sold[reader.GetInt64(0)] = reader.GetInt32(1);
        }

        // First come, first seated: in message order, a sale is taken if its tickets fit in the seats still left.
        // A sale that does not fit leaves the seats to the later, smaller ones, whatever the batching.
        var overbooked = new List<int>();
        foreach (var sale in sales)
        {
            if (sale.ShowtimeId is not { } showtimeId || duplicates.Contains(sale.Sequence)) continue;
            var taken = sold.GetValueOrDefault(showtimeId);
            if (taken + sale.TicketsSold > seats(showtimeId)) overbooked.Add(sale.Sequence);
            else sold[showtimeId] = taken + sale.TicketsSold;
        }

        await using (var batch = new NpgsqlBatch(connection))
        {
            if (overbooked.Count > 0)
            {
                batch.BatchCommands.Add(new("delete from incoming_sales where seq = any($1)") { Parameters = { new() { Value = overbooked.ToArray() } } });
            }
            batch.BatchCommands.Add(new(InsertAndAggregateSql));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            var totals = new List<AggregateTotal>();
            while (await reader.ReadAsync(cancellationToken))
            {
                totals.Add(AggregateTotal.Read(reader));
            }
            return (sales.Count - duplicates.Count - overbooked.Count, duplicates.Count, overbooked, totals);
        }
    }

    private const string StagingTableSql = """
        create temporary table if not exists incoming_sales (
            seq          integer       not null,
            event_id     uuid          not null,
            sold_at      timestamptz   not null,
            theater_id   integer       not null,
            movie_id     integer       not null,
            showtime_id  bigint,
            sale_date    date          not null,
            tickets_sold integer       not null,
            ticket_price numeric(8, 2) not null,
            currency     char(3)       not null,
            channel      text          not null)
        """;

    // Redelivered events (a crash before the offsets were committed, a producer retry) are already stored.
    private const string RemoveDuplicatesSql = """
        delete from incoming_sales i using sales s where s.event_id = i.event_id returning i.seq
        """;

    // The seats already sold of the batch's showtimes, locked until the batch commits, in the order the aggregate
    // upsert locks them: a second writer of the same showtimes (a consumer that lost its partition and does not know
    // yet) waits, then sees these sales.
    private const string LockShowtimesSql = """
        select showtime_id, tickets_sold from showtime_sales
        where showtime_id in (select showtime_id from incoming_sales where showtime_id is not null)
        order by showtime_id
        for update
        """;

    // Aggregates are upserted in key order, so concurrent consumers lock rows in the same order.
    private const string InsertAndAggregateSql = $$"""
        with inserted as (
            insert into sales (event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, revenue, currency, channel)
            select event_id, sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, ticket_price, tickets_sold * ticket_price, currency, channel
            from incoming_sales
            on conflict (event_id) do nothing
            returning sold_at, theater_id, movie_id, showtime_id, sale_date, tickets_sold, revenue, channel),
        theater_day as (
            insert into theater_daily_sales as a (sale_date, theater_id, tickets_sold, revenue, sales_count)
            select sale_date, theater_id, sum(tickets_sold), sum(revenue), count(*) from inserted group by 1, 2 order by 1, 2
            on conflict (sale_date, theater_id) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold,
                revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
            returning a.*),
        movie_day as (
            insert into movie_daily_sales as a (sale_date, movie_id, tickets_sold, revenue, sales_count)
            select sale_date, movie_id, sum(tickets_sold), sum(revenue), count(*) from inserted group by 1, 2 order by 1, 2
            on conflict (sale_date, movie_id) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold,
                revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
            returning a.*),
        theater_movie_day as (
            insert into theater_movie_daily_sales as a (sale_date, theater_id, movie_id, tickets_sold, revenue, sales_count)
            select sale_date, theater_id, movie_id, sum(tickets_sold), sum(revenue), count(*) from inserted group by 1, 2, 3 order by 1, 2, 3
            on conflict (sale_date, theater_id, movie_id) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold,
                revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
            returning a.*),
        channel_day as (
            insert into channel_daily_sales as a (sale_date, channel, tickets_sold, revenue, sales_count)
            select sale_date, channel, sum(tickets_sold), sum(revenue), count(*) from inserted group by 1, 2 order by 1, 2
            on conflict (sale_date, channel) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold,
                revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
            returning a.*),
        chain_minute as (
            insert into chain_minute_sales as a (minute, tickets_sold, revenue, sales_count)
            select date_trunc('minute', sold_at), sum(tickets_sold), sum(revenue), count(*) from inserted group by 1 order by 1
            on conflict (minute) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold,
                revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
            returning a.*),
        date_minute as (
            insert into chain_date_minute_sales as a (sale_date, minute, tickets_sold, revenue, sales_count)
            select sale_date, date_trunc('minute', sold_at), sum(tickets_sold), sum(revenue), count(*) from inserted group by 1, 2 order by 1, 2
            on conflict (sale_date, minute) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold,
                revenue = a.revenue + excluded.revenue, sales_count = a.sales_count + excluded.sales_count
            returning a.*),
        showtime as (
            insert into showtime_sales as a (showtime_id, tickets_sold, revenue)
            select showtime_id, sum(tickets_sold), sum(revenue) from inserted where showtime_id is not null group by 1 order by 1
            on conflict (showtime_id) do update set tickets_sold = a.tickets_sold + excluded.tickets_sold, revenue = a.revenue + excluded.revenue
            returning a.*)
        select 1, sale_date, theater_id::bigint, 0::bigint, null::text, null::timestamptz, tickets_sold, revenue, sales_count from theater_day
        union all select 2, sale_date, movie_id, 0, null, null, tickets_sold, revenue, sales_count from movie_day
        union all select 3, sale_date, theater_id, movie_id, null, null, tickets_sold, revenue, sales_count from theater_movie_day
        union all select 4, sale_date, 0, 0, channel, null, tickets_sold, revenue, sales_count from channel_day
        union all select 5, null, 0, 0, null, minute, tickets_sold, revenue, sales_count from chain_minute
        union all select 6, st.business_date, s.showtime_id, 0, null, null, s.tickets_sold, s.revenue, 0 from showtime s join showtimes st using (showtime_id)
        union all select 7, sale_date, {{UnixMinuteSql}}, 0, null, minute, tickets_sold, revenue, sales_count from date_minute
        """;

    /// <summary>
    /// The Redis member of a minute of <c>chain_date_minute_sales</c> (<see cref="Contracts.Live.LiveKeys.DateMinutes"/>):
    /// minutes since the Unix epoch, exact in SQL; sold_at ±infinity (what Npgsql stores for DateTimeOffset.Min/MaxValue)
    /// get the ends of bigint, so they never share a member with a real minute.
    /// </summary>
    internal const string UnixMinuteSql =
        "case when minute = 'infinity' then 9223372036854775807 when minute = '-infinity' then -9223372036854775808 else (extract(epoch from minute) / 60)::bigint end";

    /// <summary>Stores the letters not stored before (a redelivered message is recognised by its identity); returns their ids.</summary>
    private static async Task<IReadOnlySet<Guid>> StoreDeadLettersAsync(NpgsqlConnection connection, IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken)
    {
        var stored = new HashSet<Guid>();
        if (deadLetters.Count == 0) return stored;
        await using var command = new NpgsqlCommand("""
            insert into dead_letters (reason, detail, topic, kafka_partition, kafka_offset, message_key, payload, message_id, sent_at_ms, theater_id)
            select * from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::text[], $7::bytea[], $8::uuid[], $9::bigint[], $10::int[])
            on conflict (message_id) do nothing
            returning message_id
            """, connection);
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.Reason).ToArray() });
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.Detail).ToArray() });
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.Source.Topic).ToArray() });
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.Source.Partition).ToArray() });
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.Source.Offset).ToArray() });
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.Key).ToArray() });
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.Payload).ToArray() });
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.MessageId).ToArray() });
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.SentAtMs).ToArray() });
        command.Parameters.Add(new() { Value = deadLetters.Select(d => d.TheaterId).ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) stored.Add(reader.GetGuid(0));
        return stored;
    }

    private async Task<NpgsqlConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (connection is { State: System.Data.ConnectionState.Open }) return connection;
        await DropConnectionAsync();
        connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var create = new NpgsqlCommand(StagingTableSql, connection);
        await create.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private async Task DropConnectionAsync()
    {
        if (connection is not null)
        {
            await connection.DisposeAsync();
            connection = null;
        }
    }

    public ValueTask DisposeAsync() => new(DropConnectionAsync());
}
