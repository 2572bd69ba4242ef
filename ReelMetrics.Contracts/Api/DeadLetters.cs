namespace ReelMetrics.Contracts.Api;

/// <summary>
/// The states of a dead letter (column <c>dead_letters.state</c>): <see cref="Dead"/> until an operator acts;
/// <see cref="ReplayRequested"/> until the consumer has sent it through the normal path again; then
/// <see cref="Replayed"/> (it is the sale <c>event_id</c>) or <see cref="Dead"/> again with the new reason.
/// <see cref="Discarded"/> letters are kept, with the operator's note.
/// </summary>
public static class DeadLetterStates
{
    public const string Dead = "dead";
    public const string ReplayRequested = "replay_requested";
    public const string Replayed = "replayed";
    public const string Discarded = "discarded";

    public static IReadOnlyList<string> All { get; } = [Dead, ReplayRequested, Replayed, Discarded];
}

/// <summary>
/// A message the consumer could not use, with why, what an operator did about it, and a safe preview of its payload:
/// the payload's first bytes as UTF-8 text with invalid bytes (<c>\xNN</c>), control and bidi characters
/// (<c>\u{NNNN}</c>) and backslashes (<c>\\</c>) escaped. It is text: show it as text, never as HTML.
/// </summary>
/// <param name="TheaterId">The <c>theater_id</c> the payload names, when it is a JSON object with one.</param>
/// <param name="EventId">The sale a replay made of it (state <c>replayed</c>).</param>
/// <param name="RequestedBy">Who last asked for a replay, or discarded it.</param>
/// <param name="ResolvedBy">Who ended its last replay (<c>consumer</c>) or discarded it.</param>
public sealed record DeadLetterSummary(
    long Id,
    DateTimeOffset ReceivedAt,
    string Reason,
    string Detail,
    string State,
    int? TheaterId,
    string Topic,
    int Partition,
    long Offset,
    string? MessageKey,
    int PayloadBytes,
    string Preview,
    bool PreviewTruncated,
    Guid? EventId,
    int ReplayAttempts,
    string? RequestedBy,
    DateTimeOffset? RequestedAt,
    string? ResolvedBy,
    DateTimeOffset? ResolvedAt,
    string? Note);

/// <summary>A page of dead letters, newest first; <paramref name="NextBefore"/> asks for the next page (<c>before=</c>), null at the end.</summary>
public sealed record DeadLetterPage(IReadOnlyList<DeadLetterSummary> Items, long? NextBefore);

/// <summary>
/// One dead letter with more of its payload: <paramref name="PayloadText"/> (escaped as in the summary's preview, up to
/// 16 KiB of payload) and <paramref name="PayloadHex"/> (the first 1 KiB as hexadecimal, for binary payloads).
/// </summary>
public sealed record DeadLetterDetail(DeadLetterSummary Letter, Guid MessageId, string PayloadText, bool PayloadTextTruncated, string PayloadHex);

/// <summary>How many dead letters have a reason and a state.</summary>
public sealed record DeadLetterReasonCount(string Reason, string State, int Count);

/// <summary>The body of <c>POST /dead-letters/replay</c>: the letters to send through the normal path again.</summary>
public sealed record DeadLetterReplayRequest(IReadOnlyList<long>? Ids);

/// <summary>The body of <c>POST /dead-letters/discard</c>: the letters to discard, and why (kept with them).</summary>
public sealed record DeadLetterDiscardRequest(IReadOnlyList<long>? Ids, string? Note);

/// <summary>
/// What a replay or discard did to each letter asked for, in the order asked: <c>outcome</c> is the new state
/// (<c>replay_requested</c>, <c>discarded</c>), <c>unchanged</c> (only dead letters can be replayed or discarded;
/// <c>state</c> says what it is) or <c>not_found</c>.
/// </summary>
public sealed record DeadLetterActionResult(long Id, string Outcome, string? State);

/// <summary>The answer of a replay or discard: how many letters changed, and what happened to each.</summary>
public sealed record DeadLetterActionAnswer(int Changed, IReadOnlyList<DeadLetterActionResult> Results);
