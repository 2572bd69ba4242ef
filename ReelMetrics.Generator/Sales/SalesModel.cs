using ReelMetrics.Contracts;

namespace ReelMetrics.Generator.Sales;

/// <summary>
/// The pure sales model: from a random number generator and the time, decides the next sale —
/// which showtime (by demand: the movie's popularity, the slot, how soon it starts, how busy the
/// theater is at this hour), how many tickets (1–8, mostly 1–2, never more than the seats left),
/// through which channel and at what price. No I/O: the same seed and the same clock give the same sales.
/// </summary>
/// <remarks>
/// Normal mode sells only showtimes that have not started, and the chain's rate follows the local
/// time of day and day of week (<see cref="RateMultiplier"/>). Burst mode (load tests) ignores the
/// time: it sells into every showtime of the catalog, past and future, at a flat rate.
/// </remarks>
public sealed class SalesModel
{
    /// <summary>The convenience fee per ticket bought online.</summary>
    public const decimal OnlineFee = 1.50m;

    /// <summary>Most tickets a single sale can buy.</summary>
    public const int MaxTicketsPerSale = 8;

    // Cumulative probabilities of buying 1..8 tickets: 30 % one, 40 % two (a couple), the rest groups and families.
    private static readonly double[] TicketsCumulative = [0.30, 0.70, 0.80, 0.92, 0.95, 0.98, 0.99, 1.00];

    // Demand weights are scaled to integers so the picker's sums stay exact.
    private const double WeightScale = 1_000_000;

    private static readonly TimeSpan RefreshInterval = TimeSpan.FromMinutes(1);

    private readonly SalesCatalog catalog;
    private readonly Random random;
    private readonly bool burst;
    private readonly WeightedPicker picker;
    private readonly double[] staticDemand;         // per showtime: popularity × slot × size
    private readonly DateOnly[] theaterToday;        // per theater: its business date, as of the last refresh
    private readonly double[] theaterDemand;         // per theater: how busy it is now (normal mode)
    private readonly Dictionary<long, int> indexById;
    private readonly long[] weights;
    private DateTimeOffset refreshedAt = DateTimeOffset.MinValue;
    private double rateMultiplier = 1.0;

    public SalesModel(SalesCatalog catalog, SeatInventory seats, Random random, bool burst = false)
    {
        if (seats.Count != catalog.Showtimes.Count)
        {
            throw new ArgumentException("The inventory must have one entry per showtime of the catalog.", nameof(seats));
        }
        this.catalog = catalog;
        Seats = seats;
        this.random = random;
        this.burst = burst;
        picker = new WeightedPicker(catalog.Showtimes.Count);
        weights = new long[catalog.Showtimes.Count];
        staticDemand = [.. catalog.Showtimes.Select(s =>
            s.Movie.Popularity * Demand.ForShowtime(s.Showtime.StartsAt) * s.Showtime.Capacity / 200.0)];
        theaterToday = new DateOnly[catalog.Theaters.Count];
        theaterDemand = new double[catalog.Theaters.Count];
        indexById = catalog.Showtimes.Select((s, i) => (s.Showtime.ShowtimeId, i)).ToDictionary();
    }

    public SeatInventory Seats { get; }

    public SalesCatalog Catalog => catalog;

    /// <summary>
    /// How busy the chain is at <paramref name="now"/> relative to a weekday afternoon: the mean of
    /// every theater's demand at its local time. The generator's rate is <c>Rate × RateMultiplier</c>.
    /// Always 1 in burst mode.
    /// </summary>
    public double RateMultiplier(DateTimeOffset now)
    {
        Refresh(now);
        return rateMultiplier;
    }

    /// <summary>
    /// The next sale at <paramref name="now"/>, its seats taken from <see cref="Seats"/>; null when
    /// there is nothing left to sell (every showtime sold out or, in normal mode, started).
    /// </summary>
    public TicketSold? NextSale(DateTimeOffset now)
    {
        Refresh(now);
        while (true)
        {
            var index = picker.Pick(random);
            if (index < 0) return null;

            var showtime = catalog.Showtimes[index];
            if (!burst && showtime.StartsAtUtc <= now)
            {
                picker.Set(index, 0);   // started since the last refresh
                continue;
            }

            var tickets = Seats.Sell(index, WantedTickets());
            if (Seats.Remaining(index) == 0) picker.Set(index, 0);
            if (tickets == 0) continue;

            var sameDay = showtime.Showtime.BusinessDate == theaterToday[showtime.TheaterIndex];
            var channel = PickChannel(sameDay);
            var price = showtime.Showtime.BasePrice + (channel == SalesChannel.Online ? OnlineFee : 0m);
            return new TicketSold
            {
                EventId = NewEventId(now),
                SoldAt = now.ToUniversalTime(),
                TheaterId = showtime.Theater.TheaterId,
                TheaterName = showtime.Theater.Name,
                MovieId = showtime.Movie.MovieId,
                MovieTitle = showtime.Movie.Title,
                ShowtimeId = showtime.Showtime.ShowtimeId,
                Showtime = showtime.Showtime.StartsAt,
                SaleDate = showtime.Showtime.BusinessDate,
                TicketsSold = tickets,
                TicketPrice = price,
                Channel = channel,
            };
        }
    }

    /// <summary>Gives back the seats of a sale that never reached the broker, so they can be sold again.</summary>
    public void Cancel(TicketSold sale)
    {
        if (!indexById.TryGetValue(sale.ShowtimeId, out var index)) return;
        Seats.Release(index, sale.TicketsSold);
        if (picker[index] == 0) picker.Set(index, WeightOf(index, sale.SoldAt));
    }

    /// <summary>Recomputes what depends on the clock, once per minute of it: theaters' dates and, in normal mode, demand.</summary>
    private void Refresh(DateTimeOffset now)
    {
        if (now >= refreshedAt && now - refreshedAt < RefreshInterval) return;
        refreshedAt = now;

        var busy = 0.0;
        for (var t = 0; t < theaterToday.Length; t++)
        {
            var rule = catalog.BusinessDays[t];
            var local = rule.LocalTime(now);
            theaterToday[t] = rule.DateOf(now);
            theaterDemand[t] = burst ? 1.0 : Demand.AtLocalTime(local);
            busy += theaterDemand[t];
        }
        rateMultiplier = burst || theaterToday.Length == 0 ? 1.0 : busy / theaterToday.Length;

        for (var i = 0; i < weights.Length; i++) weights[i] = WeightOf(i, now);
        picker.Reset(weights);
    }

    private long WeightOf(int index, DateTimeOffset now)
    {
        if (Seats.Remaining(index) <= 0) return 0;
        var demand = staticDemand[index];
        if (!burst)
        {
            var showtime = catalog.Showtimes[index];
            demand *= Demand.ByLeadTime(showtime.StartsAtUtc - now) * theaterDemand[showtime.TheaterIndex];
            if (demand <= 0) return 0;
        }
        return Math.Max(1, (long)(demand * WeightScale));
    }

    private int WantedTickets()
    {
        var draw = random.NextDouble();
        var tickets = 1;
        while (tickets < MaxTicketsPerSale && draw >= TicketsCumulative[tickets - 1]) tickets++;
        return tickets;
    }

    /// <summary>Box office and kiosk sell only for today's shows; further ahead, tickets are bought online.</summary>
    private SalesChannel PickChannel(bool sameDay)
    {
        if (!sameDay) return SalesChannel.Online;
        var draw = random.NextDouble();
        return draw < 0.55 ? SalesChannel.Online : draw < 0.85 ? SalesChannel.BoxOffice : SalesChannel.Kiosk;
    }

    /// <summary>
    /// A time-ordered version-7 UUID (RFC 9562): the sale's millisecond, then random bits from the model's generator, so
    /// a seed and a clock reproduce the event ids too. Ids that grow with time keep the sales table's primary key
    /// appending at its right edge instead of touching a random page of it for every sale.
    /// </summary>
    private Guid NewEventId(DateTimeOffset soldAt)
    {
        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        var unixMs = Math.Max(0, soldAt.ToUnixTimeMilliseconds());
        for (var i = 0; i < 6; i++) bytes[i] = (byte)(unixMs >> (8 * (5 - i)));   // 48-bit big-endian millisecond
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x70);   // version 7
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);   // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }
}
