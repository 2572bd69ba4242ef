namespace ReelMetrics.Contracts.Api;

/// <summary>
/// The data of a <c>totals</c> event of <c>GET /live</c>: today's chain totals (the chain's business date, see <c>GET /business-day</c>), the recent rate of
/// sales (sales per minute over the last five minutes of <c>sold_at</c>) and the top five theaters and movies.
/// </summary>
public sealed record LiveTotals(
    DateTimeOffset AsOf, DateOnly Date, decimal Revenue, long TicketsSold, long SalesCount, decimal AverageTicketPrice,
    double SalesPerMinute, IReadOnlyList<TheaterRank> TopTheaters, IReadOnlyList<MovieRank> TopMovies);
