using ReelMetrics.Contracts;

namespace ReelMetrics.Generator;

/// <summary>
/// What the generator has sold, counting only sales the broker acknowledged: the numbers the
/// database and the APIs must arrive at. Thread-safe: delivery reports arrive on the producer's
/// poll thread while <c>/totals</c>, metrics and logs read.
/// </summary>
public sealed class GeneratorTotals(TimeProvider clock)
{
    private readonly Lock sync = new();
    private readonly Dictionary<(DateOnly SaleDate, int TheaterId), Accumulator> byTheaterAndDate = [];
    private DateTimeOffset startedAt = clock.GetUtcNow();
    private long salesCount;
    private long ticketsSold;
    private decimal revenue;
    private long deliveryFailures;
    private long produced;
    private int soldOutShowtimes;
    private double salesPerSecond;

    /// <summary>Sales the broker acknowledged.</summary>
    public long SalesCount => Interlocked.Read(ref salesCount);

    public long TicketsSold => Interlocked.Read(ref ticketsSold);

    public decimal Revenue
    {
        get { lock (sync) return revenue; }
    }

    public long DeliveryFailures => Interlocked.Read(ref deliveryFailures);

    /// <summary>Sales handed to the producer, acknowledged or not yet.</summary>
    public long Produced => Interlocked.Read(ref produced);

    /// <summary>Sales handed to the producer whose delivery report has not arrived.</summary>
    public long InFlight => Produced - SalesCount - DeliveryFailures;

    /// <summary>Showtimes with no seat left, as last reported by the worker.</summary>
    public int SoldOutShowtimes
    {
        get => Volatile.Read(ref soldOutShowtimes);
        set => Volatile.Write(ref soldOutShowtimes, value);
    }

    /// <summary>Acknowledged sales per second over the last report interval.</summary>
    public double SalesPerSecond
    {
        get => Volatile.Read(ref salesPerSecond);
        set => Volatile.Write(ref salesPerSecond, value);
    }

    /// <summary>Marks when selling began (after start-up work), for the average rate.</summary>
    public void MarkStarted()
    {
        lock (sync) startedAt = clock.GetUtcNow();
    }

    public void RecordProduced() => Interlocked.Increment(ref produced);

    /// <summary>Takes back <see cref="RecordProduced"/> for a sale the producer refused.</summary>
    public void RecordNotProduced() => Interlocked.Decrement(ref produced);

    public void RecordDelivered(TicketSold sale)
    {
        var amount = sale.TicketsSold * sale.TicketPrice;
        lock (sync)
        {
            if (!byTheaterAndDate.TryGetValue((sale.SaleDate, sale.TheaterId), out var totals))
            {
                byTheaterAndDate[(sale.SaleDate, sale.TheaterId)] = totals = new Accumulator();
            }
            totals.Add(sale.TicketsSold, amount);
            revenue += amount;
            // Written inside the lock, after the breakdown, so a snapshot's sums always agree with its counts.
            Interlocked.Increment(ref salesCount);
            Interlocked.Add(ref ticketsSold, sale.TicketsSold);
        }
    }

    public void RecordDeliveryFailed() => Interlocked.Increment(ref deliveryFailures);

    public GeneratorTotalsSnapshot Snapshot()
    {
        var asOf = clock.GetUtcNow();
        lock (sync)
        {
            var theaters = byTheaterAndDate
                .OrderBy(e => e.Key.SaleDate).ThenBy(e => e.Key.TheaterId)
                .Select(e => new TheaterDateTotals(e.Key.SaleDate, e.Key.TheaterId, e.Value.SalesCount, e.Value.TicketsSold, e.Value.Revenue))
                .ToList();
            var dates = theaters
                .GroupBy(t => t.SaleDate)
                .Select(g => new DateTotals(g.Key, g.Sum(t => t.SalesCount), g.Sum(t => t.TicketsSold), g.Sum(t => t.Revenue)))
                .ToList();
            var elapsed = (asOf - startedAt).TotalSeconds;
            return new GeneratorTotalsSnapshot(
                startedAt, asOf, salesCount, ticketsSold, revenue, deliveryFailures, Produced - salesCount - deliveryFailures,
                SoldOutShowtimes, SalesPerSecond, elapsed > 0 ? salesCount / elapsed : 0, dates, theaters);
        }
    }

    private sealed class Accumulator
    {
        public long SalesCount;
        public long TicketsSold;
        public decimal Revenue;

        public void Add(int tickets, decimal amount)
        {
            SalesCount++;
            TicketsSold += tickets;
            Revenue += amount;
        }
    }
}

/// <summary>The generator's totals at <see cref="AsOf"/>, as served at <c>GET /totals</c> and written to the totals file.</summary>
/// <param name="SalesPerSecond">Acknowledged sales per second over the last report interval.</param>
/// <param name="AverageSalesPerSecond">Acknowledged sales per second since the generator started.</param>
public sealed record GeneratorTotalsSnapshot(
    DateTimeOffset StartedAt,
    DateTimeOffset AsOf,
    long SalesCount,
    long TicketsSold,
    decimal Revenue,
    long DeliveryFailures,
    long InFlight,
    int SoldOutShowtimes,
    double SalesPerSecond,
    double AverageSalesPerSecond,
    IReadOnlyList<DateTotals> Dates,
    IReadOnlyList<TheaterDateTotals> Theaters);

/// <summary>Acknowledged sales of one business date (the showtimes' date, as <c>sale_date</c>).</summary>
public sealed record DateTotals(DateOnly SaleDate, long SalesCount, long TicketsSold, decimal Revenue);

/// <summary>Acknowledged sales of one theater on one business date.</summary>
public sealed record TheaterDateTotals(DateOnly SaleDate, int TheaterId, long SalesCount, long TicketsSold, decimal Revenue);
