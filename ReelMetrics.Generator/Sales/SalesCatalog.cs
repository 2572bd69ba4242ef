using ReelMetrics.Contracts.BusinessDay;
using ReelMetrics.Database;
using ReelMetrics.Database.Catalog;

namespace ReelMetrics.Generator.Sales;

/// <summary>A showtime the generator can sell, with what the sales model needs at hand.</summary>
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
        TimeZones = [.. theaters.Select(t => TimeZoneInfo.FindSystemTimeZoneById(t.TimeZone))];
        BusinessDays = [.. theaters.Select((t, i) => new BusinessDayRule(TimeZones[i], t.BusinessDayCutoff ?? SeedCatalog.Chain.BusinessDayCutoff))];
        var theaterIndex = theaters.Select((theater, index) => (theater.TheaterId, index)).ToDictionary();
        var movieById = movies.ToDictionary(m => m.MovieId);
        Showtimes = [.. showtimes.Select(s =>
        {
            var index = theaterIndex[s.TheaterId];
            var startsAtUtc = TimeZoneInfo.ConvertTimeToUtc(s.StartsAt, TimeZones[index]);
            return new SellableShowtime(s, theaters[index], movieById[s.MovieId], index, new DateTimeOffset(startsAtUtc));
        })];
    }

    public IReadOnlyList<Theater> Theaters { get; }

    /// <summary>Each theater's time zone, by the theater's index in <see cref="Theaters"/>.</summary>
    public IReadOnlyList<TimeZoneInfo> TimeZones { get; }

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
