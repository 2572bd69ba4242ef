using ReelMetrics.Api.DeadLetters;
using ReelMetrics.ApiEf.Data;
using ReelMetrics.Contracts.Api;

namespace ReelMetrics.ApiEf;

/// <summary>
/// The dead letters in LINQ. Two things LINQ does not say are raw SQL: the first bytes of a payload (<c>substring</c>
/// of a <c>bytea</c>; a list must not read whole payloads), and locking the letters a change is about (<c>for update</c>).
/// </summary>
public sealed class EfDeadLetterStore(ReelMetricsDbContext db) : IDeadLetterStore
{
    public async Task<IReadOnlyList<DeadLetterRow>> ListAsync(DeadLetterFilter filter, int headBytes, CancellationToken cancellationToken)
    {
        var letters = db.DeadLetters.AsQueryable();
        if (filter.Reason is { } reason) letters = letters.Where(d => d.Reason == reason);
        if (filter.State is { } state) letters = letters.Where(d => d.State == state);
        if (filter.TheaterId is { } theaterId) letters = letters.Where(d => d.TheaterId == theaterId);
        if (filter.From is { } from) letters = letters.Where(d => d.ReceivedAt >= from.UtcDateTime);
        if (filter.To is { } to) letters = letters.Where(d => d.ReceivedAt < to.UtcDateTime);
        if (filter.Before is { } before) letters = letters.Where(d => d.Id < before);
        var rows = await Project(letters.OrderByDescending(d => d.Id).Take(filter.Limit)).ToListAsync(cancellationToken);
        return await WithHeadsAsync(rows, headBytes, cancellationToken);
    }

    public async Task<DeadLetterRow?> FindAsync(long id, int headBytes, CancellationToken cancellationToken)
    {
        var rows = await Project(db.DeadLetters.Where(d => d.Id == id)).ToListAsync(cancellationToken);
        return (await WithHeadsAsync(rows, headBytes, cancellationToken)).SingleOrDefault();
    }

    public async Task<IReadOnlyList<ReasonStateCount>> CountAsync(CancellationToken cancellationToken) =>
        await db.DeadLetters
            .GroupBy(d => new { d.Reason, d.State })
            .Select(g => new ReasonStateCount(g.Key.Reason, g.Key.State, g.Count()))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyDictionary<long, string>> ChangeAsync(IReadOnlyList<long> ids, DeadLetterChange change, CancellationToken cancellationToken)
    {
        var wanted = ids.ToArray();
        // The retrying strategy runs the whole transaction again if the connection fails in it.
        return await db.Database.CreateExecutionStrategy().ExecuteAsync(async token =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            var found = await db.Database
                .SqlQuery<LetterState>($"select dead_letter_id as \"Id\", state as \"State\" from dead_letters where dead_letter_id = any({wanted}) for update")
                .ToListAsync(token);
            var dead = found.Where(f => f.State == DeadLetterStates.Dead).Select(f => f.Id).ToArray();
            if (dead.Length > 0)
            {
                var letters = db.DeadLetters.Where(d => dead.Contains(d.Id));
                var at = change.At.UtcDateTime;
                if (change.IsDiscard)
                {
                    await letters.ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.State, change.NewState)
                        .SetProperty(d => d.RequestedBy, change.Actor).SetProperty(d => d.RequestedAt, at)
                        .SetProperty(d => d.ResolvedBy, change.Actor).SetProperty(d => d.ResolvedAt, at)
                        .SetProperty(d => d.Note, change.Note), token);
                }
                else
                {
                    await letters.ExecuteUpdateAsync(s => s
                        .SetProperty(d => d.State, change.NewState)
                        .SetProperty(d => d.RequestedBy, change.Actor).SetProperty(d => d.RequestedAt, at), token);
                }
            }
            await transaction.CommitAsync(token);
            return (IReadOnlyDictionary<long, string>)found.ToDictionary(f => f.Id, f => f.State);
        }, cancellationToken);
    }

    /// <summary>Everything but the payload, whose length is enough here.</summary>
    private static IQueryable<DeadLetterRow> Project(IQueryable<DeadLetterEntity> letters) =>
        letters.Select(d => new DeadLetterRow(d.Id, d.ReceivedAt, d.Reason, d.Detail, d.State, d.TheaterId, d.Topic, d.Partition, d.Offset,
            d.MessageKey, d.MessageId, Array.Empty<byte>(), d.Payload.Length, d.EventId, d.ReplayAttempts, d.RequestedBy, d.RequestedAt,
            d.ResolvedBy, d.ResolvedAt, d.Note));

    private async Task<IReadOnlyList<DeadLetterRow>> WithHeadsAsync(List<DeadLetterRow> rows, int headBytes, CancellationToken cancellationToken)
    {
        if (rows.Count == 0) return rows;
        var ids = rows.Select(r => r.Id).ToArray();
        var heads = await db.Database
            .SqlQuery<PayloadHead>($"select dead_letter_id as \"Id\", substring(payload from 1 for {headBytes}) as \"Head\" from dead_letters where dead_letter_id = any({ids})")
            .ToDictionaryAsync(h => h.Id, h => h.Head, cancellationToken);
        return rows.Select(r => r with { PayloadHead = heads.GetValueOrDefault(r.Id, []) }).ToList();
    }

    private sealed record LetterState(long Id, string State);

    private sealed record PayloadHead(long Id, byte[] Head);
}
