using ReelMetrics.Contracts.BusinessDay;
using ReelMetrics.Contracts.Catalog;
using ReelMetrics.Database;
using ReelMetrics.Database.Catalog;

namespace ReelMetrics.Generator.Sales;

/// <summary>
/// A showtime the generator can sell: the catalog's <see cref="Contracts.Catalog.Showtime"/> with what the sales model
/// derives from it, at hand (its theater and movie, the theater's index in <see cref="SalesCatalog.Theaters"/>, the start in UTC).
/// </summary>
public sealed record SellableShowtime(
    Showtime Showtime,
    Theater Theater,
    Movie Movie,
    int TheaterIndex,
    DateTimeOffset StartsAtUtc);

/// <summary>
/// The showtimes the generator sells: normally the seeded chain's window around today, the same
/// window the migration service writes to the database (<see cref="DatabaseMigrator.ShowtimeWindowDays"/>).
/// Tests build small ones with tiny capacities.
/// </summary>
public sealed class SalesCatalog
{
    public SalesCatalog(IReadOnlyList<Theater> theaters, IReadOnlyList<Movie> movies, IEnumerable<Showtime> showtimes)
    {
        Theaters = theaters;
        BusinessDays = [.. theaters.Select(t => t.BusinessDay(SeedCatalog.Chain))];
        var theaterIndex = theaters.Select((theater, index) => (theater.TheaterId, index)).ToDictionary();
        var movieById = movies.ToDictionary(m => m.MovieId);
        Showtimes = [.. showtimes.Select(s =>
        {
            var index = theaterIndex[s.TheaterId];
            var startsAtUtc = TimeZoneInfo.ConvertTimeToUtc(s.StartsAt, BusinessDays[index].Zone);
            return new SellableShowtime(s, theaters[index], movieById[s.MovieId], index, new DateTimeOffset(startsAtUtc));
        })];
    }

    public IReadOnlyList<Theater> Theaters { get; }

    /// <summary>Each theater's business-day rule (its zone and cutoff), by the theater's index in <see cref="Theaters"/>.</summary>
    public IReadOnlyList<BusinessDayRule> BusinessDays { get; }

    public IReadOnlyList<SellableShowtime> Showtimes { get; }

    /// <summary>The business dates the migration service creates showtimes for, given the UTC date it ran on.</summary>
    public static (DateOnly From, DateOnly To) WindowAround(DateOnly utcToday) =>
        (utcToday.AddDays(-DatabaseMigrator.ShowtimeWindowDays), utcToday.AddDays(DatabaseMigrator.ShowtimeWindowDays));

    /// <summary>
    /// The seeded chain's showtimes of the window around <paramref name="utcToday"/>; with
    /// <paramref name="include"/>, only those it accepts (e.g. the ones the database has).
    /// </summary>
    public static SalesCatalog FromSeed(DateOnly utcToday, Func<long, bool>? include = null)
    {
        var (from, to) = WindowAround(utcToday);
        var showtimes = Enumerable.Range(0, to.DayNumber - from.DayNumber + 1)
            .SelectMany(offset => SeedCatalog.ShowtimesOn(from.AddDays(offset)))
            .Where(s => include is null || include(s.ShowtimeId));
        return new SalesCatalog(SeedCatalog.Theaters, SeedCatalog.Movies, showtimes);
    }
}
