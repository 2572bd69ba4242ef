using System.Diagnostics;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>What became of one batch.</summary>
internal sealed record BatchOutcome(int Stored, int Duplicates, IReadOnlyList<DeadLetter> DeadLetters, IReadOnlyList<AggregateTotal> Totals);

/// <summary>A batch decoded and validated against the catalog, ready to store: valid sales (distinct by event id) and dead letters.</summary>
internal sealed record PreparedBatch(
    int MessageCount, IReadOnlyList<Sale> Sales, IReadOnlyList<DeadLetter> DeadLetters, IReadOnlyDictionary<int, RawMessage> BySequence,
    int InBatchDuplicates, TimeSpan PreparedIn);

/// <summary>
/// Decodes a batch of messages, stores it in PostgreSQL in one transaction and applies the new
/// totals to the live cache. Knows nothing of Kafka offsets: the caller commits them afterwards.
/// The two halves are separate so that one batch can be prepared while the one before it is stored.
/// </summary>
internal sealed class BatchProcessor(CatalogCache catalog, SalesStore store, LiveAggregates live, IngestionMetrics metrics, TimeProvider clock)
{
    public decimal MaxTicketPrice { get; init; } = SaleDecoder.DefaultMaxTicketPrice;

    /// <summary>Prepares and stores a batch: <see cref="PrepareAsync"/>, then <see cref="StoreAsync"/>.</summary>
    public async Task<BatchOutcome> ProcessAsync(IReadOnlyList<RawMessage> messages, CancellationToken cancellationToken) =>
        await StoreAsync(await PrepareAsync(messages, cancellationToken), cancellationToken);

    /// <summary>
    /// Decodes and validates a batch against the catalog. Reads only the catalog, never the sales, so the next batch can
    /// be prepared while the previous one is being stored.
    /// </summary>
    public async Task<PreparedBatch> PrepareAsync(IReadOnlyList<RawMessage> messages, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!catalog.IsLoaded) await catalog.LoadAsync(cancellationToken);

        var parsed = new List<(IncomingSale Sale, RawMessage Message)>(messages.Count);
        var deadLetters = new List<DeadLetter>();
        foreach (var message in messages)
        {
            var (sale, deadLetter) = SaleDecoder.Parse(message);
            if (sale is not null) parsed.Add((sale, message));
            else deadLetters.Add(deadLetter!);
        }

        await catalog.FetchShowtimesAsync(parsed.Where(p => p.Sale.ShowtimeId is not null).Select(p => p.Sale.ShowtimeId!.Value), cancellationToken);

        var decoder = new SaleDecoder(catalog, MaxTicketPrice);
        var sales = new List<Sale>(parsed.Count);
        var bySequence = new Dictionary<int, RawMessage>();
        var seen = new HashSet<Guid>();
        var inBatchDuplicates = 0;
        foreach (var (incoming, message) in parsed)
        {
            var (sale, deadLetter) = decoder.Validate(incoming, message, sales.Count + inBatchDuplicates);
            if (sale is not { } valid)
            {
                deadLetters.Add(deadLetter!);
            }
            else if (!seen.Add(valid.EventId))
            {
                inBatchDuplicates++;   // the same event twice in one batch (a producer retry, a replay)
            }
            else
            {
                sales.Add(valid);
                bySequence[valid.Sequence] = message;
            }
        }
        return new PreparedBatch(messages.Count, sales, deadLetters, bySequence, inBatchDuplicates, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>
    /// Stores a prepared batch in PostgreSQL (one transaction) and applies the new totals to the live cache. Safe to
    /// call again for the same batch after a failure: nothing of a failed attempt was committed.
    /// </summary>
    public async Task<BatchOutcome> StoreAsync(PreparedBatch batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var sales = batch.Sales;
        var overbookedLetters = new List<DeadLetter>();
        var stored = await store.StoreAsync(sales, batch.DeadLetters, sale =>
        {
            var message = batch.BySequence[sale.Sequence];
            var letter = new DeadLetter(DeadLetterReasons.Overbooked,
                $"showtime {sale.ShowtimeId} has fewer seats left than the {sale.TicketsSold} tickets sold", message.Source, message.Key, message.Payload);
            overbookedLetters.Add(letter);
            return letter;
        }, cancellationToken);
        var committedAt = clock.GetUtcNow();
        var deadLetters = batch.DeadLetters.Concat(overbookedLetters).ToList();

        var overbooked = stored.OverbookedSequences.ToHashSet();
        foreach (var sale in sales)
        {
            if (!overbooked.Contains(sale.Sequence)) metrics.Freshness(committedAt - sale.SoldAt);
        }

        await live.ApplyAsync(stored.Totals);

        metrics.Stored(stored.Inserted);
        metrics.Duplicates(stored.Duplicates + batch.InBatchDuplicates);
        foreach (var deadLetter in deadLetters) metrics.DeadLettered(deadLetter.Reason);
        metrics.Batch(batch.MessageCount, batch.PreparedIn + Stopwatch.GetElapsedTime(started));
        return new BatchOutcome(stored.Inserted, stored.Duplicates + batch.InBatchDuplicates, deadLetters, stored.Totals);
    }
}
