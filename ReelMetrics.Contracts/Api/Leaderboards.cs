namespace ReelMetrics.Contracts.Api;

/// <summary>The theater with the most revenue on a business date.</summary>
public sealed record TopTheater(DateOnly SaleDate, int TheaterId, string Name, decimal Revenue, long TicketsSold);

/// <summary>A row of the theater leaderboard: rank 1 has the most revenue.</summary>
public sealed record TheaterRank(int Rank, int TheaterId, string Name, decimal Revenue, long TicketsSold);

/// <summary>A row of the movie leaderboard: rank 1 has the most revenue.</summary>
public sealed record MovieRank(int Rank, int MovieId, string Title, decimal Revenue, long TicketsSold);
