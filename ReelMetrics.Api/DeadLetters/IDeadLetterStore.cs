namespace ReelMetrics.Api.DeadLetters;

/// <summary>
/// The dead letters in PostgreSQL (table <c>dead_letters</c>, migrations 0002, 0005, 0008), one method per question or
/// change. ApiDapper answers in SQL, ApiEf in LINQ; what the rows mean (previews, outcomes, JSON) is decided once, in
/// <see cref="DeadLetterConsole"/>. The API role may change only a letter's operator columns (DatabasePrivileges.ApiWrites).
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>Letters matching <paramref name="filter"/>, newest (highest id) first, with the first <paramref name="headBytes"/> of each payload.</summary>
    Task<IReadOnlyList<DeadLetterRow>> ListAsync(DeadLetterFilter filter, int headBytes, CancellationToken cancellationToken);

    /// <summary>One letter with the first <paramref name="headBytes"/> of its payload, or null.</summary>
    Task<DeadLetterRow?> FindAsync(long id, int headBytes, CancellationToken cancellationToken);

    /// <summary>How many letters have each reason and state (only pairs that occur).</summary>
    Task<IReadOnlyList<ReasonStateCount>> CountAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="change"/> to those of <paramref name="ids"/> that are <c>dead</c>, in one transaction with
    /// the letters locked. Returns the state each letter found had before (letters not found are left out).
    /// </summary>
    Task<IReadOnlyDictionary<long, string>> ChangeAsync(IReadOnlyList<long> ids, DeadLetterChange change, CancellationToken cancellationToken);
}

/// <summary>Which letters to list: every value optional but <see cref="Limit"/>; <see cref="To"/> excluded; ids below <see cref="Before"/>.</summary>
public sealed record DeadLetterFilter(string? Reason, string? State, int? TheaterId, DateTimeOffset? From, DateTimeOffset? To, long? Before, int Limit);

/// <summary>A row of <c>dead_letters</c> with the first bytes of its payload (<see cref="PayloadHead"/>) and its full length. Times are UTC.</summary>
public sealed record DeadLetterRow(
    long Id, DateTime ReceivedAt, string Reason, string Detail, string State, int? TheaterId,
    string Topic, int Partition, long Offset, string? MessageKey, Guid MessageId, byte[] PayloadHead, int PayloadBytes,
    Guid? EventId, int ReplayAttempts, string? RequestedBy, DateTime? RequestedAt, string? ResolvedBy, DateTime? ResolvedAt, string? Note);

/// <summary>A count of <see cref="IDeadLetterStore.CountAsync"/>.</summary>
public sealed record ReasonStateCount(string Reason, string State, int Count);

/// <summary>
/// What an operator does to dead letters: ask for a replay (state <c>replay_requested</c>, <c>requested_by</c>/<c>_at</c>)
/// or discard them (state <c>discarded</c>, <c>note</c>, <c>resolved_by</c>/<c>_at</c>).
/// </summary>
public sealed record DeadLetterChange(string NewState, string Actor, DateTimeOffset At, string? Note)
{
    public static DeadLetterChange Replay(string actor, DateTimeOffset at) => new(Contracts.Api.DeadLetterStates.ReplayRequested, actor, at, null);

    public static DeadLetterChange Discard(string actor, DateTimeOffset at, string note) => new(Contracts.Api.DeadLetterStates.Discarded, actor, at, note);

    public bool IsDiscard => NewState == Contracts.Api.DeadLetterStates.Discarded;
}
