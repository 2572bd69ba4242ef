using ReelMetrics.Contracts.BusinessDay;

namespace ReelMetrics.Contracts.Catalog;

// The one model of the catalog: a record per row of the tables chain, theaters, screens, movies and showtimes
// (ReelMetrics.Database/Migrations), in their column order, so Dapper and EF Core read rows into them as they are. The
// seed (SeedCatalog), the consumer's cache, the generator and both APIs hold these; the API contract's Theater and Movie
// (ReelMetrics.Contracts.Api) are what clients see of them, mapped in one place (ReelMetrics.Api/Catalog.cs).

/// <summary>The chain's business-day settings (table <c>chain</c>): its home time zone (IANA id) and its cutoff.</summary>
public sealed record ChainSettings(string HomeTimeZone, TimeOnly BusinessDayCutoff)
{
    /// <summary>The chain's business-day rule: what "today" is for the chain.</summary>
    public BusinessDayRule Rule() => BusinessDayRule.For(HomeTimeZone, BusinessDayCutoff);

    /// <summary>The chain's rule and each theater's (<see cref="Theater.BusinessDay"/>).</summary>
    public BusinessCalendar Calendar(IEnumerable<Theater> theaters) =>
        new(Rule(), theaters.ToDictionary(t => t.TheaterId, t => t.BusinessDay(this)));
}

/// <summary>A theater of the chain; <paramref name="BusinessDayCutoff"/> null means the chain's cutoff.</summary>
public sealed record Theater(int TheaterId, string Name, string City, string TimeZone, TimeOnly? BusinessDayCutoff = null)
{
    /// <summary>The theater's business-day rule: its time zone, and its cutoff or the chain's.</summary>
    public BusinessDayRule BusinessDay(ChainSettings chain) => BusinessDayRule.For(TimeZone, BusinessDayCutoff ?? chain.BusinessDayCutoff);
}

/// <summary>A screen of a theater; <paramref name="Format"/> is standard, imax, dolby or 3d.</summary>
public sealed record Screen(int ScreenId, int TheaterId, string Name, int Capacity, string Format);

/// <summary>A movie; <paramref name="Popularity"/> is its relative demand, which the generator sells by.</summary>
public sealed record Movie(int MovieId, string Title, string Genre, string Rating, int RuntimeMinutes, DateOnly ReleaseDate, float Popularity);

/// <summary>A screening: <paramref name="StartsAt"/> is local time at the theater, <paramref name="BusinessDate"/> the day it counts on.</summary>
public sealed record Showtime(long ShowtimeId, int TheaterId, int ScreenId, int MovieId, DateTime StartsAt, DateOnly BusinessDate, int Capacity, decimal BasePrice);
