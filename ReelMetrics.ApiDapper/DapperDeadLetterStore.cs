using System.Text;
using Dapper;
using Npgsql;
using ReelMetrics.Api.DeadLetters;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.ApiDapper;

/// <summary>The dead letters in hand-written SQL, mapped by Dapper. Filters are added to the query only when given.</summary>
public sealed class DapperDeadLetterStore(NpgsqlDataSource dataSource) : IDeadLetterStore
{
    static DapperDeadLetterStore() => DapperMapping.Configure();

    private const string Columns = """
        dead_letter_id as id, received_at, reason, detail, state, theater_id,
        topic, kafka_partition as partition, kafka_offset as offset, message_key, message_id,
        substring(payload from 1 for @head) as payload_head, length(payload) as payload_bytes, event_id,
        replay_attempts, requested_by, requested_at,
        resolved_by, resolved_at, note
        """;

    public async Task<IReadOnlyList<DeadLetterRow>> ListAsync(DeadLetterFilter filter, int headBytes, CancellationToken cancellationToken)
    {
        var sql = new StringBuilder($"select {Columns} from dead_letters where true");
        if (filter.Reason is not null) sql.Append(" and reason = @Reason");
        if (filter.State is not null) sql.Append(" and state = @State");
        if (filter.TheaterId is not null) sql.Append(" and theater_id = @TheaterId");
        if (filter.From is not null) sql.Append(" and received_at >= @From");
        if (filter.To is not null) sql.Append(" and received_at < @To");
        if (filter.Before is not null) sql.Append(" and dead_letter_id < @Before");
        sql.Append(" order by dead_letter_id desc limit @Limit");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(sql.ToString(), new
        {
            head = headBytes, filter.Reason, filter.State, filter.TheaterId, filter.From, filter.To, filter.Before, filter.Limit,
        }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToRow()).ToList();
    }

    public async Task<DeadLetterRow?> FindAsync(long id, int headBytes, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"select {Columns} from dead_letters where dead_letter_id = @id", new { id, head = headBytes }, cancellationToken: cancellationToken));
        return row?.ToRow();
    }

    public async Task<IReadOnlyList<ReasonStateCount>> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ReasonStateCount>(new CommandDefinition(
            "select reason, state, count(*)::int as count from dead_letters group by reason, state", cancellationToken: cancellationToken));
        return rows.AsList();
    }

    public async Task<IReadOnlyDictionary<long, string>> ChangeAsync(IReadOnlyList<long> ids, DeadLetterChange change, CancellationToken cancellationToken)
    {
        // The letters are locked, their states read, and only the dead ones changed, in one statement.
        var set = change.IsDiscard
            ? "state = @NewState, requested_by = @Actor, requested_at = @At, resolved_by = @Actor, resolved_at = @At, note = @Note"
            : "state = @NewState, requested_by = @Actor, requested_at = @At";
        var sql = $"""
            with found as (
                select dead_letter_id, state from dead_letters where dead_letter_id = any(@ids) for update),
            changed as (
                update dead_letters d set {set}
                from found f where d.dead_letter_id = f.dead_letter_id and f.state = '{DeadLetterStates.Dead}'
                returning d.dead_letter_id)
            select dead_letter_id as id, state from found
            """;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var found = await connection.QueryAsync<(long Id, string State)>(new CommandDefinition(sql,
            new { ids = ids.ToArray(), change.NewState, change.Actor, change.At, change.Note }, cancellationToken: cancellationToken));
        return found.ToDictionary(f => f.Id, f => f.State);
    }

    /// <summary>A row as Dapper maps it (by property name), then as the contract layer takes it.</summary>
    private sealed class Row
    {
        public long Id { get; init; }
        public DateTime ReceivedAt { get; init; }
        public string Reason { get; init; } = "";
        public string Detail { get; init; } = "";
        public string State { get; init; } = "";
        public int? TheaterId { get; init; }
        public string Topic { get; init; } = "";
        public int Partition { get; init; }
        public long Offset { get; init; }
        public string? MessageKey { get; init; }
        public Guid MessageId { get; init; }
        public byte[] PayloadHead { get; init; } = [];
        public int PayloadBytes { get; init; }
        public Guid? EventId { get; init; }
        public int ReplayAttempts { get; init; }
        public string? RequestedBy { get; init; }
        public DateTime? RequestedAt { get; init; }
        public string? ResolvedBy { get; init; }
        public DateTime? ResolvedAt { get; init; }
        public string? Note { get; init; }

        public DeadLetterRow ToRow() => new(Id, ReceivedAt, Reason, Detail, State, TheaterId, Topic, Partition, Offset, MessageKey, MessageId,
            PayloadHead, PayloadBytes, EventId, ReplayAttempts, RequestedBy, RequestedAt, ResolvedBy, ResolvedAt, Note);
    }
}
