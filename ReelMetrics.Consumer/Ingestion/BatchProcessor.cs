using System.Diagnostics;
using Npgsql;
using ReelMetrics.Contracts.Rollups;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>What became of one batch: every message is exactly one of stored, duplicate or dead letter.</summary>
internal sealed record BatchOutcome(int Stored, int Duplicates, IReadOnlyList<DeadLetter> DeadLetters, IReadOnlyList<RollupRow> Totals)
{
    public static readonly BatchOutcome Empty = new(0, 0, [], []);

    public BatchOutcome Then(BatchOutcome next) =>
        new(Stored + next.Stored, Duplicates + next.Duplicates, [.. DeadLetters, .. next.DeadLetters], [.. Totals, .. next.Totals]);
}

/// <summary>What became of one replayed message: the sale it is (<paramref name="EventId"/>), or a dead letter again, and why.</summary>
internal sealed record ReplayResult(Guid MessageId, Guid? EventId, string? Reason, string? Detail);

/// <summary>Records what became of replayed messages, in the transaction that stores their sales.</summary>
internal delegate Task SettleReplays(NpgsqlConnection connection, IReadOnlyList<ReplayResult> results, CancellationToken cancellationToken);

/// <summary>
/// Decodes a batch of messages, stores it in PostgreSQL in one transaction and applies the new
/// totals to the live cache. Knows nothing of Kafka offsets: the caller commits them afterwards.
/// </summary>
/// <remarks>
/// A batch that fails because of something inside its messages (see <see cref="IngestionFailures"/>) is split in
/// halves, in order, until the message that fails is alone; that one becomes a dead letter with the reason
/// <see cref="DeadLetterReasons.Unprocessable"/> and the rest are stored. Only a failure of the infrastructure
/// (PostgreSQL unavailable) comes out of <see cref="ProcessAsync"/>: the caller retries the batch then.
/// </remarks>
internal sealed class BatchProcessor(
    CatalogCache catalog, SalesStore store, LiveAggregates live, IngestionMetrics metrics, TimeProvider clock, ILogger<BatchProcessor> logger)
{
    public decimal MaxTicketPrice { get; init; } = SaleDecoder.DefaultMaxTicketPrice;

    public Task<BatchOutcome> ProcessAsync(IReadOnlyList<RawMessage> messages, CancellationToken cancellationToken) =>
        ProcessAsync(messages, settle: null, cancellationToken);

    /// <summary>
    /// Sends dead letters' messages through the same path again (<see cref="DeadLetterReplayer"/>). The messages keep
    /// their identities, so a sale already stored is a duplicate; <paramref name="settle"/> learns what became of each
    /// message in the transaction that stores the sales.
    /// </summary>
    public Task<BatchOutcome> ReplayAsync(IReadOnlyList<RawMessage> messages, SettleReplays settle, CancellationToken cancellationToken) =>
        ProcessAsync(messages, settle, cancellationToken);

    private async Task<BatchOutcome> ProcessAsync(IReadOnlyList<RawMessage> messages, SettleReplays? settle, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var outcome = await ProcessIsolatingAsync(messages, settle, cancellationToken);
        metrics.Stored(outcome.Stored);
        metrics.Duplicates(outcome.Duplicates);
        foreach (var deadLetter in outcome.DeadLetters) metrics.DeadLettered(deadLetter.Reason);
        metrics.Batch(messages.Count, Stopwatch.GetElapsedTime(started));
        metrics.Progress.BatchStored(outcome.Stored, clock.GetUtcNow());
        return outcome;
    }

    private async Task<BatchOutcome> ProcessIsolatingAsync(IReadOnlyList<RawMessage> messages, SettleReplays? settle, CancellationToken cancellationToken)
    {
        try
        {
            return await ProcessTogetherAsync(messages, settle, cancellationToken);
        }
        catch (Exception ex) when (!IngestionFailures.IsInfrastructure(ex) && !cancellationToken.IsCancellationRequested)
        {
            if (messages.Count == 1) return await StoreUnprocessableAsync(messages[0], ex, settle, cancellationToken);
            logger.LogWarning("A batch of {Count} failed for a reason inside it ({Error}); splitting it to isolate the message(s)",
                messages.Count, SafeText.Of(ex.Message, 500));
            var half = messages.Count / 2;
            var first = await ProcessIsolatingAsync([.. messages.Take(half)], settle, cancellationToken);
            var second = await ProcessIsolatingAsync([.. messages.Skip(half)], settle, cancellationToken);
            return first.Then(second);
        }
    }

    /// <summary>The last resort for one message nothing else could store: a dead letter with the failure as its detail.</summary>
    private async Task<BatchOutcome> StoreUnprocessableAsync(RawMessage message, Exception failure, SettleReplays? settle, CancellationToken cancellationToken)
    {
        var letter = DeadLetter.For(DeadLetterReasons.Unprocessable, $"{failure.GetType().Name}: {failure.Message}", message);
        logger.LogError("Message {Topic}/{Partition}@{Offset} could not be stored ({Detail}); dead-lettered",
            message.Source.Topic, message.Source.Partition, message.Source.Offset, letter.Detail);
        var stored = await store.StoreAsync([], [letter], _ => letter, _ => 0, cancellationToken, settle is null ? null
            : (connection, token) => settle(connection, [new ReplayResult(letter.MessageId, null, letter.Reason, letter.Detail)], token));
        return stored.DeadLettersStored.Count == 1 ? new BatchOutcome(0, 0, [letter], []) : new BatchOutcome(0, 1, [], []);
    }

    private async Task<BatchOutcome> ProcessTogetherAsync(IReadOnlyList<RawMessage> messages, SettleReplays? settle, CancellationToken cancellationToken)
    {
        var receivedAt = clock.GetUtcNow();
        await catalog.RefreshIfStaleAsync(cancellationToken);

        var parsed = new List<(IncomingSale Sale, RawMessage Message)>(messages.Count);
        var deadLetters = new List<DeadLetter>();
        foreach (var message in messages)
        {
            var (sale, deadLetter) = message.Parsed;
            if (sale is not null) parsed.Add((sale, message));
            else deadLetters.Add(deadLetter!);
        }

        var validated = await ValidateAsync(parsed, receivedAt, tracksIdentities: settle is not null, cancellationToken);
        if (validated.CatalogMisses > 0 && await catalog.ReloadForUnknownAsync(cancellationToken))
        {
            // Something named a theater, movie or showtime the cache does not know: it may have been added since.
            validated = await ValidateAsync(parsed, receivedAt, tracksIdentities: settle is not null, cancellationToken);
        }
        deadLetters.AddRange(validated.DeadLetters);
        var (sales, bySequence, inBatchDuplicates) = (validated.Sales, validated.BySequence, validated.InBatchDuplicates);

        var overbookedLetters = new List<DeadLetter>();
        var stored = await store.StoreAsync(sales, deadLetters, sale =>
        {
            var letter = DeadLetter.For(DeadLetterReasons.Overbooked,
                $"showtime {sale.ShowtimeId} has fewer seats left than the {sale.TicketsSold} tickets sold", bySequence[sale.Sequence]);
            overbookedLetters.Add(letter);
            return letter;
        }, showtimeId => catalog.Showtime(showtimeId)?.Capacity ?? 0, cancellationToken, settle is null ? null : (connection, token) =>
        {
            // Dead again (invalid, or overbooked now) wins over valid: an overbooked sale was validated, then refused.
            var dead = deadLetters.Concat(overbookedLetters).DistinctBy(l => l.MessageId).ToDictionary(l => l.MessageId);
            var results = messages.DistinctBy(m => m.Identity).Select(m =>
                dead.TryGetValue(m.Identity, out var letter) ? new ReplayResult(m.Identity, null, letter.Reason, letter.Detail)
                : validated.EventIds.TryGetValue(m.Identity, out var eventId) ? new ReplayResult(m.Identity, eventId, null, null)
                : null).OfType<ReplayResult>().ToList();
            return settle(connection, results, token);
        });
        var committedAt = clock.GetUtcNow();

        var overbooked = stored.OverbookedSequences.ToHashSet();
        var allLetters = deadLetters.Concat(overbookedLetters).ToList();
        foreach (var sale in sales)
        {
            if (overbooked.Contains(sale.Sequence)) continue;
            metrics.Freshness(committedAt - sale.SoldAt);
            metrics.Progress.SaleStored(sale.SoldAt, committedAt);
        }

        await live.ApplyAsync(stored.Totals);

        // A letter stored before (the same message redelivered) is a duplicate now, as a redelivered sale is.
        var newLetters = allLetters.Where(l => stored.DeadLettersStored.Contains(l.MessageId)).DistinctBy(l => l.MessageId).ToList();
        var duplicates = stored.Duplicates + inBatchDuplicates + (allLetters.Count - newLetters.Count);
        return new BatchOutcome(stored.Inserted, duplicates, newLetters, stored.Totals);
    }

    /// <param name="EventIds">
    /// The event id of every valid message, by message identity (duplicates in the batch included), when a replay asked for
    /// them; empty otherwise (a message's identity is a hash of all of it, not worth working out for nothing).
    /// </param>
    private sealed record Validation(List<Sale> Sales, Dictionary<int, RawMessage> BySequence, int InBatchDuplicates, List<DeadLetter> DeadLetters,
        int CatalogMisses, Dictionary<Guid, Guid> EventIds);

    private async Task<Validation> ValidateAsync(
        List<(IncomingSale Sale, RawMessage Message)> parsed, DateTimeOffset receivedAt, bool tracksIdentities, CancellationToken cancellationToken)
    {
        await catalog.FetchShowtimesAsync(parsed.Where(p => p.Sale.ShowtimeId is not null).Select(p => p.Sale.ShowtimeId!.Value), cancellationToken);

        var decoder = new SaleDecoder(catalog, receivedAt, MaxTicketPrice);
        var sales = new List<Sale>(parsed.Count);
        var bySequence = new Dictionary<int, RawMessage>();
        var deadLetters = new List<DeadLetter>();
        var seen = new HashSet<Guid>();
        var eventIds = new Dictionary<Guid, Guid>();
        var inBatchDuplicates = 0;
        var catalogMisses = 0;
        foreach (var (incoming, message) in parsed)
        {
            var (sale, deadLetter) = decoder.Validate(incoming, message, sales.Count + inBatchDuplicates);
            if (sale is not { } valid)
            {
                deadLetters.Add(deadLetter!);
                if (DeadLetterReasons.IsCatalogMiss(deadLetter!.Reason)) catalogMisses++;
            }
            else
            {
                if (tracksIdentities) eventIds[message.Identity] = valid.EventId;
                if (!seen.Add(valid.EventId))
                {
                    inBatchDuplicates++;   // the same event twice in one batch (a producer retry, a replay)
                }
                else
                {
                    sales.Add(valid);
                    bySequence[valid.Sequence] = message;
                }
            }
        }
        return new Validation(sales, bySequence, inBatchDuplicates, deadLetters, catalogMisses, eventIds);
    }
}
