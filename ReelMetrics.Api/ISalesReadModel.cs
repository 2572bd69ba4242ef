using ReelMetrics.Contracts.Api;
using ReelMetrics.Contracts.Catalog;

namespace ReelMetrics.Api;

/// <summary>
/// Everything the REST contract reads from PostgreSQL, one method per question. The two backends differ only
/// here: ApiDapper answers in hand-written SQL, ApiEf in LINQ. Routes, validation, names, ordering, rounding,
/// errors and caching are shared (<see cref="SalesQueries"/>), so both serve the same JSON by construction.
/// Rows come back in any order; ids stand for names, which come from the catalog.
/// </summary>
public interface ISalesReadModel
{
    /// <summary>Every theater (table theaters).</summary>
    Task<IReadOnlyList<Contracts.Catalog.Theater>> GetTheatersAsync(CancellationToken cancellationToken);

    /// <summary>Every screen of every theater (table screens).</summary>
    Task<IReadOnlyList<Screen>> GetScreensAsync(CancellationToken cancellationToken);

    /// <summary>Every movie (table movies).</summary>
    Task<IReadOnlyList<Contracts.Catalog.Movie>> GetMoviesAsync(CancellationToken cancellationToken);

    /// <summary>Each movie's sales at a theater by business date (theater_movie_daily_sales).</summary>
    Task<IReadOnlyList<TheaterMovieFigures>> GetTheaterMovieSalesAsync(int theaterId, DateRange dates, CancellationToken cancellationToken);

    /// <summary>A theater's showtimes on a business date with the tickets sold for each (showtimes, screens, showtime_sales).</summary>
    Task<IReadOnlyList<ShowtimeFigures>> GetShowtimesAsync(int theaterId, DateOnly date, CancellationToken cancellationToken);

    /// <summary>A theater's sales on a business date per hour of its local day (theater_hourly_sales).</summary>
    Task<IReadOnlyList<TheaterHourSales>> GetTheaterHourSalesAsync(int theaterId, DateOnly date, CancellationToken cancellationToken);

    /// <summary>A movie's chain-wide sales by business date (movie_daily_sales).</summary>
    Task<IReadOnlyList<DailyFigures>> GetMovieSalesAsync(int movieId, DateRange dates, CancellationToken cancellationToken);

    /// <summary>The <paramref name="limit"/> theaters with the most revenue on a date, ties by id (theater_daily_sales).</summary>
    Task<IReadOnlyList<RankedFigures>> GetTheaterLeaderboardAsync(DateOnly date, int limit, CancellationToken cancellationToken);

    /// <summary>The <paramref name="limit"/> movies with the most revenue on a date, ties by id (movie_daily_sales).</summary>
    Task<IReadOnlyList<RankedFigures>> GetMovieLeaderboardAsync(DateOnly date, int limit, CancellationToken cancellationToken);

    /// <summary>Chain-wide sales per channel over the dates (channel_daily_sales); channels without sales are left out.</summary>
    Task<IReadOnlyList<ChannelFigures>> GetChannelSalesAsync(DateRange dates, CancellationToken cancellationToken);

    /// <summary>The chain's business-day settings (the one row of table chain).</summary>
    Task<ChainSettings> GetChainAsync(CancellationToken cancellationToken);

    /// <summary>Chain-wide sales of one business date per minute of sold_at (chain_date_minute_sales).</summary>
    Task<IReadOnlyList<MinuteFigures>> GetDateMinuteSalesAsync(DateOnly date, CancellationToken cancellationToken);

    /// <summary>Chain-wide sales per minute of sold_at with <paramref name="from"/> ≤ minute &lt; <paramref name="to"/> (chain_minute_sales).</summary>
    Task<IReadOnlyList<MinuteFigures>> GetMinuteSalesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>An inclusive range of business dates.</summary>
public readonly record struct DateRange(DateOnly From, DateOnly To)
{
    /// <summary>Number of dates in the range.</summary>
    public int Days => To.DayNumber - From.DayNumber + 1;

    /// <summary>Every date of the range, oldest first.</summary>
    public IEnumerable<DateOnly> Dates => Enumerable.Range(0, Math.Max(0, Days)).Select(From.AddDays);

    /// <summary>One date.</summary>
    public static DateRange Single(DateOnly date) => new(date, date);
}

/// <summary>One movie's sales at one theater on one date.</summary>
public sealed record TheaterMovieFigures(DateOnly SaleDate, int MovieId, long TicketsSold, decimal Revenue);

/// <summary>A showtime as scheduled (local start time at the theater) and the tickets sold for it.</summary>
public sealed record ShowtimeFigures(long ShowtimeId, int MovieId, string Screen, string Format, DateTime StartsAt, int Capacity, int TicketsSold);

/// <summary>Sales of one date.</summary>
public sealed record DailyFigures(DateOnly SaleDate, long TicketsSold, decimal Revenue);

/// <summary>Sales of one theater or movie (<see cref="Id"/>) on one date.</summary>
public sealed record RankedFigures(int Id, long TicketsSold, decimal Revenue);

/// <summary>Sales through one channel.</summary>
public sealed record ChannelFigures(string Channel, long TicketsSold, decimal Revenue, long SalesCount);

/// <summary>Chain-wide sales in one minute of sold_at (<see cref="Minute"/> is UTC).</summary>
public sealed record MinuteFigures(DateTime Minute, long TicketsSold, decimal Revenue, long SalesCount);
