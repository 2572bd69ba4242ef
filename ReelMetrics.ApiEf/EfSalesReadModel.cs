using ReelMetrics.Api;
using ReelMetrics.ApiEf.Data;
using ReelMetrics.Contracts.Api;
using ReelMetrics.Contracts.Catalog;

namespace ReelMetrics.ApiEf;

/// <summary>The read model in LINQ, translated by EF Core (parameterised SQL, no tracking).</summary>
public sealed class EfSalesReadModel(ReelMetricsDbContext db) : ISalesReadModel
{
    public async Task<IReadOnlyList<Contracts.Catalog.Theater>> GetTheatersAsync(CancellationToken cancellationToken) =>
        await db.Theaters.ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<Screen>> GetScreensAsync(CancellationToken cancellationToken) =>
        await db.Screens.ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<Contracts.Catalog.Movie>> GetMoviesAsync(CancellationToken cancellationToken) =>
        await db.Movies.ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<TheaterMovieFigures>> GetTheaterMovieSalesAsync(int theaterId, DateRange dates, CancellationToken cancellationToken) =>
        await db.TheaterMovieDailySales
            .Where(s => s.TheaterId == theaterId && s.SaleDate >= dates.From && s.SaleDate <= dates.To)
            .Select(s => new TheaterMovieFigures(s.SaleDate, s.MovieId, s.TicketsSold, s.Revenue))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<ShowtimeFigures>> GetShowtimesAsync(int theaterId, DateOnly date, CancellationToken cancellationToken) =>
        await db.Showtimes
            .Where(s => s.TheaterId == theaterId && s.BusinessDate == date)
            .Select(s => new ShowtimeFigures(s.ShowtimeId, s.MovieId, s.Screen.Name, s.Screen.Format, s.StartsAt, s.Capacity,
                s.Sales == null ? 0 : s.Sales.TicketsSold))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<TheaterHourSales>> GetTheaterHourSalesAsync(int theaterId, DateOnly date, CancellationToken cancellationToken) =>
        await db.TheaterHourlySales
            .Where(s => s.TheaterId == theaterId && s.SaleDate == date)
            .Select(s => new TheaterHourSales(s.Hour, s.TicketsSold, s.Revenue, s.SalesCount))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<DailyFigures>> GetMovieSalesAsync(int movieId, DateRange dates, CancellationToken cancellationToken) =>
        await db.MovieDailySales
            .Where(s => s.MovieId == movieId && s.SaleDate >= dates.From && s.SaleDate <= dates.To)
            .Select(s => new DailyFigures(s.SaleDate, s.TicketsSold, s.Revenue))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<RankedFigures>> GetTheaterLeaderboardAsync(DateOnly date, int limit, CancellationToken cancellationToken) =>
        await db.TheaterDailySales
            .Where(s => s.SaleDate == date)
            .OrderByDescending(s => s.Revenue).ThenBy(s => s.TheaterId)
            .Take(limit)
            .Select(s => new RankedFigures(s.TheaterId, s.TicketsSold, s.Revenue))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<RankedFigures>> GetMovieLeaderboardAsync(DateOnly date, int limit, CancellationToken cancellationToken) =>
        await db.MovieDailySales
            .Where(s => s.SaleDate == date)
            .OrderByDescending(s => s.Revenue).ThenBy(s => s.MovieId)
            .Take(limit)
            .Select(s => new RankedFigures(s.MovieId, s.TicketsSold, s.Revenue))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<ChannelFigures>> GetChannelSalesAsync(DateRange dates, CancellationToken cancellationToken) =>
        await db.ChannelDailySales
            .Where(s => s.SaleDate >= dates.From && s.SaleDate <= dates.To)
            .GroupBy(s => s.Channel)
            .Select(g => new ChannelFigures(g.Key, g.Sum(s => s.TicketsSold), g.Sum(s => s.Revenue), g.Sum(s => s.SalesCount)))
            .ToListAsync(cancellationToken);

    public async Task<ChainSettings> GetChainAsync(CancellationToken cancellationToken) =>
        await db.Chain.SingleAsync(cancellationToken);

    public async Task<IReadOnlyList<MinuteFigures>> GetDateMinuteSalesAsync(DateOnly date, CancellationToken cancellationToken) =>
        await db.ChainDateMinuteSales
            .Where(s => s.SaleDate == date)
            .Select(s => new MinuteFigures(s.Minute, s.TicketsSold, s.Revenue, s.SalesCount))
            .ToListAsync(cancellationToken);

    public async Task<IReadOnlyList<MinuteFigures>> GetMinuteSalesAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var (first, end) = (from.UtcDateTime, to.UtcDateTime);
        return await db.ChainMinuteSales
            .Where(s => s.Minute >= first && s.Minute < end)
            .Select(s => new MinuteFigures(s.Minute, s.TicketsSold, s.Revenue, s.SalesCount))
            .ToListAsync(cancellationToken);
    }
}
