using System.Diagnostics;

namespace ReelMetrics.Consumer.Ingestion;

/// <summary>What became of one batch.</summary>
internal sealed record BatchOutcome(int Stored, int Duplicates, IReadOnlyList<DeadLetter> DeadLetters, IReadOnlyList<AggregateTotal> Totals);

/// <summary>
/// Decodes a batch of messages, stores it in PostgreSQL in one transaction and applies the new
/// totals to the live cache. Knows nothing of Kafka offsets: the caller commits them afterwards.
/// </summary>
internal sealed class BatchProcessor(CatalogCache catalog, SalesStore store, LiveAggregates live, IngestionMetrics metrics, TimeProvider clock)
{
    public decimal MaxTicketPrice { get; init; } = SaleDecoder.DefaultMaxTicketPrice;

    public async Task<BatchOutcome> ProcessAsync(IReadOnlyList<RawMessage> messages, CancellationToken cancellationToken)
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

        var overbookedLetters = new List<DeadLetter>();
        var stored = await store.StoreAsync(sales, deadLetters, sale =>
        {
            var message = bySequence[sale.Sequence];
            var letter = new DeadLetter(DeadLetterReasons.Overbooked,
                $"showtime {sale.ShowtimeId} has fewer seats left than the {sale.TicketsSold} tickets sold", message.Source, message.Key, message.Payload);
            overbookedLetters.Add(letter);
            return letter;
        }, cancellationToken);
        var committedAt = clock.GetUtcNow();
        deadLetters.AddRange(overbookedLetters);

        var overbooked = stored.OverbookedSequences.ToHashSet();
        foreach (var sale in sales)
        {
            if (!overbooked.Contains(sale.Sequence)) metrics.Freshness(committedAt - sale.SoldAt);
        }

        await live.ApplyAsync(stored.Totals);

        metrics.Stored(stored.Inserted);
        metrics.Duplicates(stored.Duplicates + inBatchDuplicates);
        foreach (var deadLetter in deadLetters) metrics.DeadLettered(deadLetter.Reason);
        metrics.Batch(messages.Count, Stopwatch.GetElapsedTime(started));
        return new BatchOutcome(stored.Inserted, stored.Duplicates + inBatchDuplicates, deadLetters, stored.Totals);
    }
}
