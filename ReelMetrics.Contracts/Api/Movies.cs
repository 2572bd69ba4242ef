namespace ReelMetrics.Contracts.Api;

/// <summary>A movie of the catalog.</summary>
public sealed record Movie(int MovieId, string Title, string Genre, string Rating, int RuntimeMinutes, DateOnly ReleaseDate);

/// <summary>Sales of one business date.</summary>
public sealed record DailySales(DateOnly SaleDate, long TicketsSold, decimal Revenue);
