using Npgsql;
using ReelMetrics.Contracts.Rollups;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>What one batch did to PostgreSQL. Dead letters already stored (a redelivery) are not in <see cref="DeadLettersStored"/>.</summary>
internal sealed record StoredBatch(
    int Inserted, int Duplicates, IReadOnlyList<int> OverbookedSequences, IReadOnlyList<RollupRow> Totals, IReadOnlySet<Guid> DeadLettersStored);

/// <summary>
/// Writes a batch of sales and the aggregates over them in one transaction: COPY into a staging table, lock the
/// batch's showtimes, then one statement inserts the sales and upserts every aggregate from exactly the rows it
/// inserted, returning the new totals (<see cref="RollupSql"/>, generated from the declared <see cref="Rollups"/>).
/// Dead letters go into the same transaction.
/// </summary>
/// <remarks>
/// The common batch is stored the cheap way, and the database says when it is not common:
/// <list type="bullet">
/// <item>A sale stored before (a redelivery after a crash, another writer) breaks the sales' primary key: the batch is
/// stored again skipping what is there (<see cref="RollupSql.InsertNewAndAggregate"/>, which costs PostgreSQL a
/// quarter more per sale), and so is the next batch, until one holds nothing stored before.</item>
/// <item>A showtime that would be overbooked breaks <c>showtime_sales_within_capacity</c>. When the whole batch fits,
/// every sale of it fits in message order too (tickets are positive), so nothing needs deciding; when it does not, the
/// batch is stored again the careful way: drop what was already stored, read the seats sold, and dead-letter what
/// would overbook, sale by sale in message order against the seats left (first come, first seated).</item>
/// </list>
/// A failed attempt is rolled back whole, so a batch is stored exactly once whichever way.
/// </remarks>
internal sealed class SalesStore(NpgsqlDataSource dataSource) : IAsyncDisposable
{
    /// <summary>For tests: runs in each attempt at a batch just before its sales are inserted (a second writer's moment).</summary>
    internal Func<Task>? BeforeInsert { get; init; }

    // One connection for the life of the writer: the staging table is a temporary table of its session.
    private NpgsqlConnection? connection;

    // The batch before held sales stored before: redeliveries come in runs (a partition read again), so the next batch
    // skips stored sales from the start instead of failing on one first.
    private bool expectStored;

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
        var attempt = new Attempt(SkipStored: expectStored, Seats: null);
        while (true)
        {
            try
            {
                var stored = await StoreOnceAsync(sales, deadLetters, overbooked, attempt, beforeCommit, cancellationToken);
                expectStored = stored.Duplicates > 0;
                return stored;
            }
            catch (PostgresException ex) when (attempt.Seats is null && SeatsRanShort(ex))
            {
                // A showtime would be overbooked: decide sale by sale who is seated (the attempt above was rolled back).
                attempt = new Attempt(SkipStored: true, seats);
            }
            catch (PostgresException ex) when (!attempt.SkipStored && StoredBefore(ex))
            {
                attempt = attempt with { SkipStored = true };
            }
        }
    }

    /// <summary>How a batch is stored: skipping sales stored before or not; deciding the seats here, or leaving them to the database (null).</summary>
    private readonly record struct Attempt(bool SkipStored, Func<long, int>? Seats);

    private static bool SeatsRanShort(PostgresException ex) =>
        ex is { SqlState: PostgresErrorCodes.CheckViolation, ConstraintName: "showtime_sales_within_capacity" };

    private static bool StoredBefore(PostgresException ex) =>
        ex is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: SaleColumns.StoredBeforeConstraint };

    /// <summary>The database refused an attempt that another attempt can store: the session itself is fine.</summary>
    private static bool RefusedAttempt(Exception ex) => ex is PostgresException postgres && (SeatsRanShort(postgres) || StoredBefore(postgres));

    private async Task<StoredBatch> StoreOnceAsync(
        IReadOnlyList<Sale> sales, IReadOnlyList<DeadLetter> deadLetters, Func<Sale, DeadLetter> overbooked, Attempt attempt,
        Func<NpgsqlConnection, CancellationToken, Task>? beforeCommit, CancellationToken cancellationToken)
    {
        var connection = await ConnectionAsync(cancellationToken);
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var (inserted, duplicates, overbookedSequences, totals) = sales.Count == 0
                ? (0, 0, [], [])
                : await StoreSalesAsync(connection, sales, attempt, cancellationToken);

            var overbookedSet = overbookedSequences.ToHashSet();
            var allDeadLetters = deadLetters.Concat(sales.Where(s => overbookedSet.Contains(s.Sequence)).Select(overbooked)).ToList();
            var storedLetters = await StoreDeadLettersAsync(connection, allDeadLetters, cancellationToken);
            if (beforeCommit is not null) await beforeCommit(connection, cancellationToken);

            await transaction.CommitAsync(cancellationToken);
            return new StoredBatch(inserted, duplicates, overbookedSequences, totals, storedLetters);
        }
        catch (Exception ex) when (!RefusedAttempt(ex))
        {
            // A broken session (server restart, network) must not be reused; a new one gets a new staging table.
            await DropConnectionAsync();
            throw;
        }
    }

    private async Task<(int Inserted, int Duplicates, List<int> Overbooked, List<RollupRow> Totals)> StoreSalesAsync(
        NpgsqlConnection connection, IReadOnlyList<Sale> sales, Attempt attempt, CancellationToken cancellationToken)
    {
        await using (var truncate = new NpgsqlCommand("truncate incoming_sales", connection))
        {
            await truncate.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var importer = await connection.BeginBinaryImportAsync(SaleColumns.CopySql, cancellationToken))
        {
            foreach (var sale in sales) await SaleColumns.WriteAsync(importer, sale, cancellationToken);
            await importer.CompleteAsync(cancellationToken);
        }

        await using (var locks = new NpgsqlCommand(LockShowtimesSql, connection))
        {
            await locks.ExecuteNonQueryAsync(cancellationToken);
        }

        var overbooked = attempt.Seats is { } seats ? await OverbookedAsync(connection, sales, seats, cancellationToken) : [];
        if (BeforeInsert is not null) await BeforeInsert();
        var (totals, inserted) = await InsertAsync(connection, overbooked, attempt.SkipStored, cancellationToken);
        // Not inserted, not overbooked: stored before (a redelivery, or another writer meanwhile).
        return (inserted, sales.Count - overbooked.Count - inserted, overbooked, totals);
    }

    /// <summary>
    /// First come, first seated: removes the sales already stored from the staging table, then takes each sale in
    /// message order if its tickets fit in the seats still left. A sale that does not fit leaves the seats to the
    /// later, smaller ones, whatever the batching. Returns the sequences of the sales that do not fit.
    /// </summary>
    private static async Task<List<int>> OverbookedAsync(
        NpgsqlConnection connection, IReadOnlyList<Sale> sales, Func<long, int> seats, CancellationToken cancellationToken)
    {
        var duplicates = new HashSet<int>();
        var sold = new Dictionary<long, int>();
        await using (var batch = new NpgsqlBatch(connection) { BatchCommands = { new(RemoveDuplicatesSql), new(SeatsSoldSql) } })
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) duplicates.Add(reader.GetInt32(0));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) sold[reader.GetInt64(0)] = reader.GetInt32(1);
        }

        var overbooked = new List<int>();
        foreach (var sale in sales)
        {
            if (sale.ShowtimeId is not { } showtimeId || duplicates.Contains(sale.Sequence)) continue;
            var taken = sold.GetValueOrDefault(showtimeId);
            if (taken + sale.TicketsSold > seats(showtimeId)) overbooked.Add(sale.Sequence);
            else sold[showtimeId] = taken + sale.TicketsSold;
        }
        return overbooked;
    }

    /// <summary>
    /// Removes the overbooked sales from the staging table, inserts the rest (those not stored before, when
    /// <paramref name="skipStored"/>) and adds them to the rollups (<see cref="RollupSql.InsertAndAggregate"/>); returns
    /// the rollups' new totals and the number of sales inserted.
    /// </summary>
    private static async Task<(List<RollupRow> Totals, int Inserted)> InsertAsync(
        NpgsqlConnection connection, List<int> overbooked, bool skipStored, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        if (overbooked.Count > 0)
        {
            batch.BatchCommands.Add(new("delete from incoming_sales where seq = any($1)") { Parameters = { new() { Value = overbooked.ToArray() } } });
        }
        batch.BatchCommands.Add(new(skipStored ? RollupSql.InsertNewAndAggregate : RollupSql.InsertAndAggregate));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var totals = new List<RollupRow>();
        var inserted = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetInt32(0) == RollupSql.InsertedCountRow) inserted = (int)reader.GetInt64(8);
            else totals.Add(RollupSql.Read(reader));
        }
        return (totals, inserted);
    }

    // Redelivered events (a crash before the offsets were committed, a producer retry) are already stored: they take no seats.
    private const string RemoveDuplicatesSql = """
        delete from incoming_sales i using sales s where s.event_id = i.event_id returning i.seq
        """;

    // The batch's showtimes, locked until the batch commits, in showtime order and before anything else is locked: a
    // second writer of the same showtimes (a replay, or a consumer that lost its partition and does not know yet) waits
    // here, then sees these sales. Transaction-scoped advisory locks, keyed by the showtime id split into two int4
    // (a key space no other lock here uses), because a showtime's showtime_sales row may not exist yet: locking that row
    // instead let a writer that found none take it later, in aggregate order, after another had locked it first (40P01).
    private const string LockShowtimesSql = """
        select pg_advisory_xact_lock((showtime_id >> 32)::int, ((showtime_id & 4294967295) - 2147483648)::int)
        from (select distinct showtime_id from incoming_sales where showtime_id is not null order by showtime_id) batch_showtimes
        """;

    // The seats already sold, read after the locks are held (a statement of its own: it sees what the previous holder committed).
    private const string SeatsSoldSql = """
        select showtime_id, tickets_sold from showtime_sales
        where showtime_id in (select showtime_id from incoming_sales where showtime_id is not null)
        """;

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
        await using var create = new NpgsqlCommand(SaleColumns.StagingTableSql, connection);
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
