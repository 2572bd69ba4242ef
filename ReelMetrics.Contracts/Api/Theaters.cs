namespace ReelMetrics.Contracts.Api;

/// <summary>A theater of the chain, as both APIs return it.</summary>
public sealed record Theater(int TheaterId, string Name, string City, string TimeZone, int Screens, int Seats);

/// <summary>One movie's sales at one theater on one business date.</summary>
public sealed record TheaterMovieSales(int MovieId, string Title, DateOnly SaleDate, long TicketsSold, decimal Revenue);

/// <summary>
/// A theater's sales in one hour of its local day (0–23: <see cref="Hour"/> 19 is from 19:00 to 20:00 in the theater's
/// time zone, by the time of sale) on one business date.
/// </summary>
public sealed record TheaterHourSales(int Hour, long TicketsSold, decimal Revenue, long SalesCount);

/// <summary>
/// A showtime and how full it is. <see cref="StartsAt"/> is the instant the screening starts, with the
/// theater's UTC offset at that time; <see cref="Occupancy"/> is tickets sold over capacity (0..1, 4 decimals).
/// </summary>
public sealed record Showtime(
    long ShowtimeId, int MovieId, string Title, string Screen, string Format,
    DateTimeOffset StartsAt, int Capacity, int TicketsSold, double Occupancy);
