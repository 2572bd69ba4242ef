using ReelMetrics.Contracts.Api;

namespace ReelMetrics.Api.DeadLetters;

/// <summary>
/// The dead-letter console's answers, the same for both backends: rows from the backend's <see cref="IDeadLetterStore"/>,
/// previews made here (<see cref="PayloadPreview"/>), one mapping to the contract records.
/// </summary>
public sealed class DeadLetterConsole(IDeadLetterStore store, TimeProvider clock)
{
    /// <summary>Characters of payload shown in a list row.</summary>
    public const int ListPreviewChars = 300;

    /// <summary>Characters of payload shown on a letter's own page.</summary>
    public const int DetailPreviewChars = 16_384;

    /// <summary>Payload bytes shown as hexadecimal on a letter's own page.</summary>
    public const int DetailHexBytes = 1_024;

    /// <summary>Most letters one replay or discard may name.</summary>
    public const int MaxIds = 500;

    /// <summary>Longest note a discard may carry.</summary>
    public const int MaxNoteLength = 1_000;

    // A character is at most 4 bytes of UTF-8, and every byte at most one 4-character escape: this many bytes always
    // fill the preview, so it is never cut short for want of payload read.
    private const int ListHeadBytes = ListPreviewChars * 4;
    private const int DetailHeadBytes = DetailPreviewChars * 4;

    public async Task<DeadLetterPage> ListAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        // One more than asked: whether there is a next page.
        var rows = await store.ListAsync(filter with { Limit = filter.Limit + 1 }, ListHeadBytes, cancellationToken);
        var page = rows.OrderByDescending(r => r.Id).Take(filter.Limit).Select(r => Summary(r, ListPreviewChars)).ToList();
        return new DeadLetterPage(page, rows.Count > filter.Limit ? page[^1].Id : null);
    }

    public async Task<DeadLetterDetail?> FindAsync(long id, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(id, DetailHeadBytes, cancellationToken) is not { } row) return null;
        var (text, truncated) = PayloadPreview.Text(row.PayloadHead, DetailPreviewChars, row.PayloadHead.Length == row.PayloadBytes);
        return new DeadLetterDetail(Summary(row, ListPreviewChars), row.MessageId, text, truncated, PayloadPreview.Hex(row.PayloadHead, DetailHexBytes));
    }

    public async Task<IReadOnlyList<DeadLetterReasonCount>> ReasonsAsync(CancellationToken cancellationToken) =>
        (await store.CountAsync(cancellationToken))
            .OrderBy(c => c.Reason, StringComparer.Ordinal).ThenBy(c => c.State, StringComparer.Ordinal)
            .Select(c => new DeadLetterReasonCount(c.Reason, c.State, c.Count))
            .ToList();

    /// <summary>Asks the consumer to replay the dead ones among <paramref name="ids"/> (distinct, validated).</summary>
    public Task<DeadLetterActionAnswer> ReplayAsync(IReadOnlyList<long> ids, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(ids, DeadLetterChange.Replay(actor, clock.GetUtcNow()), cancellationToken);

    /// <summary>Discards the dead ones among <paramref name="ids"/> with <paramref name="note"/>.</summary>
    public Task<DeadLetterActionAnswer> DiscardAsync(IReadOnlyList<long> ids, string note, string actor, CancellationToken cancellationToken) =>
        ChangeAsync(ids, DeadLetterChange.Discard(actor, clock.GetUtcNow(), note), cancellationToken);

    private async Task<DeadLetterActionAnswer> ChangeAsync(IReadOnlyList<long> ids, DeadLetterChange change, CancellationToken cancellationToken)
    {
        var before = await store.ChangeAsync(ids, change, cancellationToken);
        var results = ids.Select(id => before.TryGetValue(id, out var state)
            ? state == DeadLetterStates.Dead ? new DeadLetterActionResult(id, change.NewState, change.NewState) : new DeadLetterActionResult(id, "unchanged", state)
            : new DeadLetterActionResult(id, "not_found", null)).ToList();
        return new DeadLetterActionAnswer(results.Count(r => r.Outcome == change.NewState), results);
    }

    private static DeadLetterSummary Summary(DeadLetterRow row, int previewChars)
    {
        var (preview, truncated) = PayloadPreview.Text(row.PayloadHead, previewChars, row.PayloadHead.Length == row.PayloadBytes);
        return new DeadLetterSummary(row.Id, Utc(row.ReceivedAt), row.Reason, row.Detail, row.State, row.TheaterId,
            row.Topic, row.Partition, row.Offset, row.MessageKey, row.PayloadBytes, preview, truncated,
            row.EventId, row.ReplayAttempts, row.RequestedBy, Utc(row.RequestedAt), row.ResolvedBy, Utc(row.ResolvedAt), row.Note);
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? time) => time is { } value ? Utc(value) : null;
}
